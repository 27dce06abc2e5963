; Recursive Fibonacci: halts with fib(memory[0]), where fib(0) = 0 and fib(1) = 1.
; Calling convention: argument and result in r0; r1 is scratch; r3 holds the constant 2;
; the stack holds return addresses and saved values.
    load r0, [r0]         ; r0 = n = memory[0] (r0 starts at 0)
    li r3, 2
    call fib
    halt r0
fib:
    blt r0, r3, done      ; fib(n) = n for n < 2
    push r0               ; save n
    subi r0, r0, 1
    call fib              ; r0 = fib(n - 1)
    pop r1                ; r1 = n
    push r0               ; save fib(n - 1)
    subi r0, r1, 2
    call fib              ; r0 = fib(n - 2)
    pop r1                ; r1 = fib(n - 1)
    add r0, r0, r1
done:
    ret
