//! How the command sets its allocator (mimalloc, `main.rs`) beyond the defaults. The timing
//! examples include this file (`examples/support`) so that they measure what the command
//! does.

/// mimalloc's `purge_delay` option: its place in mimalloc's `mi_option_t` (`mimalloc.h`,
/// the same in its versions 2 and 3). `libmimalloc-sys` leaves it unnamed.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Every command is one process that builds, reads and drops large structures stage after
/// stage. By default mimalloc hands freed memory back to the system after a second, and
/// the next stage takes it again page by page, each page zeroed by the kernel (2 MiB at a
/// time with transparent huge pages): up to a seventh of the CPU of a one-city `score` at
/// 1M documents (benches/README.md, "Fresh memory on this machine"). Keeping it costs a
/// little more peak memory, which the system gets back when the command exits. A
/// `MIMALLOC_PURGE_DELAY` in the environment wins.
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's global options (an atomic store), which mimalloc
        // allows at any time; -1 means "never purge".
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
    }
}

#[cfg(test)]
mod tests {
    use libmimalloc_sys::mi_option_get;

    #[test]
    fn the_purge_delay_option_is_mimallocs_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return; // the environment's value, not the default, is what mimalloc holds
        }
        // SAFETY: reads one of mimalloc's global options.
        let default = unsafe { mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        // The documented default purge delays: 1000 ms in mimalloc 3, 10 ms in mimalloc 2.
        // The options beside it (14, 16) default to 1 and 0.
        assert!(
            default == 1000 || default == 10,
            "option {} holds {default}, not a purge delay's default",
            super::MI_OPTION_PURGE_DELAY
        );
        super::keep_freed_memory();
        // SAFETY: as above.
        assert_eq!(unsafe { mi_option_get(super::MI_OPTION_PURGE_DELAY) }, -1);
    }
}
