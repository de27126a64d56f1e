//! Failpoints: named places in a write where a test makes the process stop, to prove
//! that a process killed there leaves consistent data.
//!
//! Test-only: compiled into debug builds alone (`cfg(debug_assertions)`); in a release
//! build [`failpoint`] is an empty inline function. In a debug build the first call
//! reads `RAMPART_FAILPOINTS`, a `;`-separated list of `name=action`:
//!
//! - `name=sleep(MS)` blocks the calling thread for MS milliseconds (long enough for a
//!   test to kill the process while it waits);
//! - `name=abort` aborts the process at once.
//!
//! Reaching a failpoint that has an action prints `failpoint NAME reached` on standard
//! error before acting, so a test knows where the process is. A malformed entry stops
//! the process with a message naming it. When the variable is unset a call costs one
//! load of an initialised `OnceLock` and an empty-list check.

#[cfg(debug_assertions)]
mod enabled {
    use std::sync::OnceLock;
    use std::time::Duration;

    #[derive(Debug, Clone, PartialEq)]
    pub(super) enum Action {
        Sleep(Duration),
        Abort,
    }

    /// Parses `RAMPART_FAILPOINTS`; the error names the entry and what was expected.
    pub(super) fn parse(spec: &str) -> Result<Vec<(String, Action)>, String> {
        let mut out = Vec::new();
        for (i, entry) in spec.split(';').map(str::trim).enumerate().filter(|(_, e)| !e.is_empty()) {
            let bad = || format!("RAMPART_FAILPOINTS entry {} ({entry:?}): expected NAME=sleep(MILLISECONDS) or NAME=abort", i + 1);
            let (name, action) = entry.split_once('=').ok_or_else(bad)?;
            let action = match action.trim() {
                "abort" => Action::Abort,
                a => {
                    let ms = a.strip_prefix("sleep(").and_then(|r| r.strip_suffix(')')).and_then(|n| n.trim().parse::<u64>().ok()).ok_or_else(bad)?;
                    Action::Sleep(Duration::from_millis(ms))
                }
            };
            if name.trim().is_empty() {
                return Err(bad());
            }
            out.push((name.trim().to_string(), action));
        }
        Ok(out)
    }

    fn actions() -> &'static [(String, Action)] {
        static ACTIONS: OnceLock<Vec<(String, Action)>> = OnceLock::new();
        ACTIONS.get_or_init(|| match std::env::var("RAMPART_FAILPOINTS") {
            Err(_) => Vec::new(),
            Ok(spec) => parse(&spec).unwrap_or_else(|e| {
                eprintln!("{e}");
                std::process::exit(2)
            }),
        })
    }

    pub fn failpoint(name: &str) {
        let actions = actions();
        if actions.is_empty() {
            return;
        }
        for (n, action) in actions {
            if n == name {
                eprintln!("failpoint {name} reached");
                match action {
                    Action::Sleep(d) => std::thread::sleep(*d),
                    Action::Abort => std::process::abort(),
                }
            }
        }
    }
}

/// Acts as `RAMPART_FAILPOINTS` says at the place called `name` (debug builds only).
#[cfg(debug_assertions)]
pub fn failpoint(name: &str) {
    enabled::failpoint(name)
}

/// Does nothing: failpoints exist in debug builds only.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn failpoint(_name: &str) {}

#[cfg(all(test, debug_assertions))]
mod tests {
    use super::enabled::{parse, Action};
    use std::time::Duration;

    #[test]
    fn entries_parse_and_bad_ones_are_named() {
        assert_eq!(
            parse("alert.publish.before_commit=sleep(250); x=abort;").expect("parses"),
            vec![("alert.publish.before_commit".to_string(), Action::Sleep(Duration::from_millis(250))), ("x".to_string(), Action::Abort)]
        );
        assert_eq!(parse("").expect("empty"), vec![]);
        assert_eq!(
            parse("a=abort;b=sleep(soon)").expect_err("bad"),
            "RAMPART_FAILPOINTS entry 2 (\"b=sleep(soon)\"): expected NAME=sleep(MILLISECONDS) or NAME=abort"
        );
        assert!(parse("=abort").is_err());
        assert!(parse("name").is_err());
    }
}
