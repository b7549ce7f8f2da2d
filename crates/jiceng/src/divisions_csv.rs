//! Reading division files: the AreaCity `ok_data_level4.csv` (county and towns) and the
//! NBS `villages.csv[.gz]`. Every row that matters is validated before anything is written;
//! an error names the file, the line and the field.

use crate::divisions::{CountyTree, Division, TownTree, village_unit};
use anyhow::{Context, Result, anyhow, bail};
use csv::StringRecord;
use flate2::read::MultiGzDecoder;
use jiceng_kernel::error::codes;
use jiceng_kernel::org::MAX_UNIT_NAME;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Normalises `--county` to the 12-digit code: `511602` → `511602000000`.
pub fn county_code(arg: &str) -> Result<String> {
    let s = arg.trim();
    let digits = s.chars().all(|c| c.is_ascii_digit());
    match s.len() {
        6 if digits => Ok(format!("{s}000000")),
        12 if digits && s.ends_with("000000") => Ok(s.to_owned()),
        _ => bail!(
            "invalid --county {arg:?}: expected a 6-digit county code (511602) or its 12-digit form (511602000000)"
        ),
    }
}

/// Villages that were read, and those whose town is not in the tree.
#[derive(Debug, Default)]
pub struct VillageStats {
    pub matched: usize,
    /// Count and first line of villages whose streetCode names no town of the county.
    pub unmatched: usize,
    pub first_unmatched: Option<(u64, String)>,
}

struct Table {
    name: String,
    reader: csv::Reader<Box<dyn Read>>,
    columns: HashMap<String, usize>,
}

impl Table {
    fn open(path: &Path, required: &[&str]) -> Result<Self> {
        let name = path.display().to_string();
        let mut file =
            BufReader::new(File::open(path).with_context(|| format!("cannot open {name}"))?);
        let mut magic = [0u8; 2];
        let gz = {
            use std::io::BufRead;
            let buf = file
                .fill_buf()
                .with_context(|| format!("cannot read {name}"))?;
            if buf.len() >= 2 {
                magic.copy_from_slice(&buf[..2]);
            }
            magic == [0x1f, 0x8b]
        };
        let input: Box<dyn Read> = if gz {
            Box::new(MultiGzDecoder::new(file))
        } else {
            Box::new(file)
        };
        let mut reader = csv::ReaderBuilder::new().from_reader(input);
        let headers = reader.headers().map_err(|e| csv_error(&name, &e))?.clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim_start_matches('\u{feff}').trim().to_owned(), i))
            .collect();
        for col in required {
            if !columns.contains_key(*col) {
                bail!(
                    "{name} line 1: missing column {col} (expected columns {})",
                    required.join(",")
                );
            }
        }
        Ok(Self {
            name,
            reader,
            columns,
        })
    }

    /// Calls `f` with each record and its line number.
    fn each(&mut self, mut f: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
        let mut rec = StringRecord::new();
        loop {
            match self.reader.read_record(&mut rec) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => return Err(csv_error(&self.name, &e)),
            }
            let line = rec.position().map_or(0, |p| p.line());
            f(&Row {
                file: &self.name,
                line,
                rec: &rec,
                columns: &self.columns,
            })?;
        }
    }
}

struct Row<'a> {
    file: &'a str,
    line: u64,
    rec: &'a StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    fn get(&self, col: &str) -> &str {
        self.columns
            .get(col)
            .and_then(|i| self.rec.get(*i))
            .unwrap_or("")
            .trim()
    }
    fn bad(&self, field: &str, problem: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{} line {}: field {field}: {problem}", self.file, self.line)
    }
    fn code(&self, field: &str, len: usize) -> Result<String> {
        let v = self.get(field);
        if v.len() != len || !v.chars().all(|c| c.is_ascii_digit()) {
            return Err(self.bad(field, format!("expected a {len}-digit code, got {v:?}")));
        }
        Ok(v.to_owned())
    }
    fn name(&self, field: &str) -> Result<String> {
        let v = self.get(field);
        jiceng_kernel::text::clean(v, "名称", MAX_UNIT_NAME, codes::IMPORT_INVALID_NAME)
            .map_err(|e| self.bad(field, e.message))
    }
}

fn csv_error(file: &str, e: &csv::Error) -> anyhow::Error {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => anyhow!("{file} line {line}: expected {expected_len} fields, found {len}"),
        csv::ErrorKind::Utf8 { err, .. } => anyhow!(
            "{file} line {line}: field {} is not valid UTF-8",
            err.field() + 1
        ),
        csv::ErrorKind::Io(io) => anyhow!("cannot read {file}: {io}"),
        _ => anyhow!("{file} line {line}: {e}"),
    }
}

struct DivisionRow {
    line: u64,
    id: String,
    pid: String,
    deep: u8,
    ext_id: String,
    ext_name: String,
}

/// Reads the county with code `county12` and its towns/streets from the divisions file.
pub fn read_divisions(path: &Path, county12: &str) -> Result<CountyTree> {
    const COLUMNS: [&str; 5] = ["id", "pid", "deep", "ext_id", "ext_name"];
    let mut table = Table::open(path, &COLUMNS)?;
    let mut rows = Vec::new();
    table.each(|r| {
        let deep: u8 = r.get("deep").parse().map_err(|_| {
            r.bad(
                "deep",
                format!("expected a level 0–3, got {:?}", r.get("deep")),
            )
        })?;
        if deep == 2 || deep == 3 {
            rows.push(DivisionRow {
                line: r.line,
                id: r.get("id").to_owned(),
                pid: r.get("pid").to_owned(),
                deep,
                ext_id: r.get("ext_id").to_owned(),
                ext_name: r.get("ext_name").to_owned(),
            });
        }
        Ok(())
    })?;
    let name = path.display().to_string();
    let Some(county) = rows.iter().find(|r| r.deep == 2 && r.ext_id == county12) else {
        bail!(
            "county {} not found in {name} (no row with deep 2 and ext_id {county12})",
            &county12[..6]
        );
    };
    let county_div = check_division(&name, county)?;
    let mut seen = HashSet::new();
    let mut towns = Vec::new();
    for r in rows.iter().filter(|r| r.deep == 3 && r.pid == county.id) {
        let town = check_division(&name, r)?;
        if !seen.insert(town.code.clone()) {
            bail!(
                "{name} line {}: field ext_id: code {} appears twice",
                r.line,
                town.code
            );
        }
        towns.push(TownTree {
            town,
            villages: Vec::new(),
        });
    }
    towns.sort_by(|a, b| a.town.code.cmp(&b.town.code));
    Ok(CountyTree {
        county: county_div,
        towns,
    })
}

fn check_division(file: &str, r: &DivisionRow) -> Result<Division> {
    let bad =
        |field: &str, problem: String| anyhow!("{file} line {}: field {field}: {problem}", r.line);
    if r.ext_id.len() != 12 || !r.ext_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad(
            "ext_id",
            format!("expected a 12-digit code, got {:?}", r.ext_id),
        ));
    }
    let name = jiceng_kernel::text::clean(
        &r.ext_name,
        "名称",
        MAX_UNIT_NAME,
        codes::IMPORT_INVALID_NAME,
    )
    .map_err(|e| bad("ext_name", e.message))?;
    Ok(Division {
        code: r.ext_id.clone(),
        name,
    })
}

/// Adds the county's villages and communities from an NBS villages file to the tree.
pub fn read_villages(path: &Path, tree: &mut CountyTree) -> Result<VillageStats> {
    const COLUMNS: [&str; 4] = ["code", "name", "streetCode", "areaCode"];
    let county6 = tree.county.code[..6].to_owned();
    let towns: HashMap<String, usize> = tree
        .towns
        .iter()
        .enumerate()
        .map(|(i, t)| (t.town.code[..9].to_owned(), i))
        .collect();
    let mut table = Table::open(path, &COLUMNS)?;
    let mut stats = VillageStats::default();
    let mut seen = HashSet::new();
    let mut found: Vec<(usize, Division)> = Vec::new();
    table.each(|r| {
        if r.get("areaCode") != county6 && !r.get("code").starts_with(&county6) {
            return Ok(());
        }
        let code = r.code("code", 12)?;
        let street = r.code("streetCode", 9)?;
        if !code.starts_with(&street) {
            return Err(r.bad(
                "streetCode",
                format!("{street} is not the town part of code {code}"),
            ));
        }
        let raw = r.name("name")?;
        let (_, unit_name) = village_unit(&raw);
        jiceng_kernel::text::clean(
            &unit_name,
            "名称",
            MAX_UNIT_NAME,
            codes::IMPORT_INVALID_NAME,
        )
        .map_err(|e| r.bad("name", e.message))?;
        if !seen.insert(code.clone()) {
            return Err(r.bad("code", format!("code {code} appears twice")));
        }
        match towns.get(&street) {
            Some(i) => found.push((*i, Division { code, name: raw })),
            None => {
                stats.unmatched += 1;
                if stats.first_unmatched.is_none() {
                    stats.first_unmatched = Some((r.line, street));
                }
            }
        }
        Ok(())
    })?;
    stats.matched = found.len();
    for (i, v) in found {
        if let Some(t) = tree.towns.get_mut(i) {
            t.villages.push(v);
        }
    }
    for t in &mut tree.towns {
        t.villages.sort_by(|a, b| a.code.cmp(&b.code));
    }
    Ok(stats)
}
