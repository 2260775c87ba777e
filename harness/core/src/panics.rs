//! Turning a node's panic into one clear sentence instead of a backtrace.
//!
//! The harness installs a panic hook once per process. While a handler runs on a thread, the hook
//! records the panic's message and location for the simulator and prints nothing; any other
//! panic (a bug in the harness or in a test) goes to the default hook as usual.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static CAPTURED: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

fn install_hook() {
    INSTALL.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                    .unwrap_or_else(|| "an unknown location".to_string());
                let message = payload_text(info.payload());
                CAPTURED.with(|c| *c.borrow_mut() = Some((message, location)));
            } else {
                default(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

/// A captured panic: what it said and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caught {
    /// The panic message.
    pub message: String,
    /// `file:line:column`.
    pub location: String,
}

/// Runs `f`; a panic inside it is caught silently and returned.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    install_hook();
    let was = CAPTURING.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CAPTURING.with(|c| c.set(was));
    result.map_err(|payload| {
        let (message, location) = CAPTURED
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| (payload_text(payload.as_ref()), "an unknown location".into()));
        Caught { message, location }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_message_and_a_location() {
        let caught = catch(|| -> u32 { panic!("boom {}", 7) }).unwrap_err();
        assert_eq!(caught.message, "boom 7");
        assert!(caught.location.starts_with("harness/core/src/panics.rs:"), "{}", caught.location);
        assert_eq!(catch(|| 5), Ok(5));
    }
}
