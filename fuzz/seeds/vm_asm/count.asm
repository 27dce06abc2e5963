; Counted loop: counts memory[0] down to zero, then halts with 0.
; Steps: 1 + 2 * memory[0] + 1.
    load r0, [r0]         ; r0 = memory[0] (r0 starts at 0)
loop:
    subi r0, r0, 1
    jnz r0, loop
    halt r0
