//! The host interface: `custom` hands the id and registers over and writes the answer to r0.

use vm::{Host, HostCall, HostError, HostReturn, Machine, NoHost, ScriptedHost, Trap};

use super::{asm, halted, trapped};

#[test]
fn scripted_answers_arrive_in_call_order_and_calls_are_recorded() {
    let program = asm("li r1, 10\nli r2, 20\ncustom 5\nmov r3, r0\ncustom 6\nadd r0, r0, r3\nhalt r0");
    let mut host = ScriptedHost::new(vec![Ok(HostReturn { value: 100, gas: 1 }), Ok(HostReturn { value: 7, gas: 2 })]);
    let m = vm::eval(&program, vec![], &mut host, 1_000).expect("no memory");
    assert_eq!(m.outcome, halted(107));
    assert_eq!(host.calls(), [HostCall { id: 5, regs: [0, 10, 20, 0] }, HostCall { id: 6, regs: [100, 10, 20, 100] }]);
    assert_eq!(m.gas_used(), 1 + 1 + (10 + 1) + 1 + (10 + 2) + 1 + 1);
}

#[test]
fn a_host_error_traps_with_its_code() {
    let program = asm("li r0, 1\ncustom 5\nhalt r0");
    let mut host = ScriptedHost::new(vec![Err(HostError { code: 77 })]);
    let m = vm::eval(&program, vec![], &mut host, 1_000).expect("no memory");
    assert_eq!(m.outcome, trapped(Trap::HostError { code: 77 }));
    assert_eq!((m.ip, m.regs[0]), (1, 1));
}

#[test]
fn an_exhausted_script_fails_every_further_call() {
    let program = asm("custom 1\ncustom 1\nhalt r0");
    let mut host = ScriptedHost::new(vec![Ok(HostReturn { value: 3, gas: 0 })]);
    let m = vm::eval(&program, vec![], &mut host, 1_000).expect("no memory");
    assert_eq!(m.outcome, trapped(Trap::HostError { code: 18_446_744_073_709_551_615 }), "vm.md VM-7.2: 2^64 - 1");
    assert_eq!(ScriptedHost::EXHAUSTED, u64::MAX);
    assert_eq!(m.ip, 1);
}

/// A host with state: a counter the program can read and bump.
struct Counter(i64);

impl Host for Counter {
    fn custom(&mut self, id: u32, regs: &[i64; 4]) -> Result<HostReturn, HostError> {
        match id {
            0 => Ok(HostReturn { value: self.0, gas: 1 }),
            1 => {
                self.0 += regs[1];
                Ok(HostReturn { value: self.0, gas: 5 })
            }
            other => Err(HostError { code: u64::from(other) }),
        }
    }
}

#[test]
fn a_stateful_host_works_through_a_trait_object() {
    let program = asm("li r1, 4\ncustom 1\ncustom 1\ncustom 0\nhalt r0");
    let mut counter = Counter(1);
    let host: &mut dyn Host = &mut counter;
    let mut m = Machine::new(vec![], 1_000).expect("no memory");
    m.run(&program, &mut &mut *host);
    assert_eq!(m.outcome, halted(9));
    assert_eq!(counter.0, 9);
    let m = vm::eval(&asm("custom 9"), vec![], &mut Counter(0), 100).expect("no memory");
    assert_eq!(m.outcome, trapped(Trap::HostError { code: 9 }));
    let m = vm::eval(&asm("custom 9"), vec![], &mut NoHost, 100).expect("no memory");
    assert_eq!(m.outcome, trapped(Trap::HostError { code: 0 }));
}
