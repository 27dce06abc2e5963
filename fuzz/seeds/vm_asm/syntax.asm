; Every operand shape of docs/spec/vm.md §8, in one program.
start: .loop_1:
    LI r0, 0x10          # hex, and an upper-case mnemonic
    li r1, -0b1010_1010
    li r2, 0xffffffffffffffff
    store [r1 + 3], r0
    load r3, [r2 - 0x1]
    load r3, [r0]
    beq r0, r1, done
    bgeu r2, r3, 7
    custom 4294967295
    muli r0, r0, -9223372036854775808
    jnz r0, start
done:
    halt r3
