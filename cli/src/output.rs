//! Tables for people (aligned by display width, so Chinese lines up) and JSON for programs.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

/// Cells wider than this are cut with `…`, so one long name cannot wreck the layout.
const MAX_CELL_WIDTH: usize = 40;
/// The last column (a snippet, a list of flags) may run longer: nothing follows it.
const MAX_LAST_CELL_WIDTH: usize = 140;

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        let last = self.header.len().saturating_sub(1);
        self.rows.push(
            cells
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let max = if i == last {
                        MAX_LAST_CELL_WIDTH
                    } else {
                        MAX_CELL_WIDTH
                    };
                    truncate(&c, max)
                })
                .collect(),
        );
    }

    pub fn print(&self) {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.width());
            }
        }
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let mut line = |cells: &[String]| {
            let mut s = String::new();
            for (i, cell) in cells.iter().enumerate().take(columns) {
                s.push_str(cell);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(widths[i] - cell.width() + 2));
                }
            }
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = writeln!(out, "{}", s.trim_end());
        };
        line(&self.header);
        for row in &self.rows {
            line(row);
        }
    }
}

fn truncate(cell: &str, max: usize) -> String {
    if cell.width() <= max {
        return cell.to_string();
    }
    let mut out = String::new();
    for c in cell.chars() {
        if out.width() + 2 > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Pretty JSON on stdout, one document per run.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}

/// `println!` that ends the process quietly when stdout is closed (`jingxuan … | head`)
/// instead of panicking like `println!` does.
macro_rules! outln {
    () => { $crate::output::write_line(format_args!("")) };
    ($($arg:tt)*) => { $crate::output::write_line(format_args!($($arg)*)) };
}
pub(crate) use outln;

/// Writes one line to stdout; a broken pipe exits with success, as `head` asked for no more.
pub fn write_line(args: std::fmt::Arguments<'_>) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = writeln!(out, "{args}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}
