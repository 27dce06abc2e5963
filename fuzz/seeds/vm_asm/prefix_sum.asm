; Memory walk: replaces memory[1 .. len] by its running sums in place, where
; len = memory[0] (at least 2, at most the memory size), then halts with the total.
    load r3, [r0]         ; r3 = len = memory[0] (r0 starts at 0)
    li r0, 1              ; the walk starts after the length cell
    li r1, 0              ; r1 = running sum
loop:
    load r2, [r0]
    add r1, r1, r2
    store [r0], r1
    addi r0, r0, 1
    blt r0, r3, loop
    halt r1
