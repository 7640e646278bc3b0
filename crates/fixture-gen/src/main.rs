//! `fixture-gen --out DIR [--seed N] [--scale small|medium|large | --target-docs N] [--merchants-per-city N] [--notes-only]`

use std::path::PathBuf;
use std::process::ExitCode;

use jingxuan_fixture_gen::{generate, GenConfig};

const USAGE: &str = "usage: fixture-gen --out DIR [--seed N] [--scale small|medium|large | --target-docs N] [--merchants-per-city N] [--notes-only]";

fn parse(args: &[String]) -> Result<(GenConfig, PathBuf), String> {
    let mut out = None;
    let mut seed = None;
    let mut config = GenConfig::small();
    let mut notes_only = false;
    let mut merchants = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--seed" => {
                let v = value()?;
                seed = Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("--seed: not a number: {v}"))?,
                );
            }
            "--scale" => {
                let v = value()?;
                config =
                    GenConfig::scale(v).ok_or_else(|| format!("--scale: unknown scale: {v}"))?;
            }
            "--target-docs" => {
                let v = value()?;
                let n = v
                    .parse::<usize>()
                    .map_err(|_| format!("--target-docs: not a number: {v}"))?;
                config = GenConfig::with_target_docs(n);
            }
            "--merchants-per-city" => {
                let v = value()?;
                merchants = Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("--merchants-per-city: not a number: {v}"))?,
                );
            }
            "--notes-only" => notes_only = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    if let Some(s) = seed {
        config.seed = s;
    }
    if let Some(m) = merchants {
        config.merchants_per_city = m;
    }
    config.notes_only = notes_only;
    Ok((config, out))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, out) = match parse(&args) {
        Ok(v) => v,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("fixture-gen: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match generate(&config, &out) {
        Ok(summary) => {
            println!("{}", out.display());
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fixture-gen: {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
