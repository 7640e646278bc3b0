//! `fixture-gen --out DIR [--seed N] [--scale small|medium|large | --target-docs N] [--merchants-per-city N] [--notes-only] [--campaigns all|FAMILY,… [--campaigns-per-city N] [--campaign-seed N]]`

use std::path::PathBuf;
use std::process::ExitCode;

use jingxuan_fixture_gen::{generate, CampaignSpace, Family, GenConfig};

const USAGE: &str = "usage: fixture-gen --out DIR [--seed N] [--scale small|medium|large | --target-docs N] [--merchants-per-city N] [--notes-only] [--campaigns all|FAMILY,... [--campaigns-per-city N] [--campaign-seed N]]";

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse::<T>()
        .map_err(|_| format!("{flag}: not a number: {v}"))
}

fn families(v: &str) -> Result<Vec<Family>, String> {
    if v == "all" {
        return Ok(Family::ALL.to_vec());
    }
    v.split(',')
        .map(|name| {
            Family::parse(name).ok_or_else(|| {
                let known: Vec<&str> = Family::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "--campaigns: unknown family {name} (known: all, {})",
                    known.join(", ")
                )
            })
        })
        .collect()
}

fn parse(args: &[String]) -> Result<(GenConfig, PathBuf), String> {
    let mut out = None;
    let mut seed = None;
    let mut config = GenConfig::small();
    let mut notes_only = false;
    let mut merchants = None;
    let mut campaigns: Option<Vec<Family>> = None;
    let mut per_city = None;
    let mut campaign_seed = None;
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
            "--campaigns" => campaigns = Some(families(value()?)?),
            "--campaigns-per-city" => per_city = Some(number::<usize>(arg, value()?)?),
            "--campaign-seed" => campaign_seed = Some(number::<u64>(arg, value()?)?),
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
    match campaigns {
        Some(families) => {
            let mut space = CampaignSpace::all(campaign_seed.unwrap_or(config.seed));
            space.families = families;
            if let Some(n) = per_city {
                space.per_city = n;
            }
            config.campaigns = Some(space);
        }
        None if per_city.is_some() || campaign_seed.is_some() => {
            return Err("--campaigns-per-city and --campaign-seed need --campaigns".into())
        }
        None => {}
    }
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
