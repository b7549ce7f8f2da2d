//! The spreadsheet layout of a list, one duty per row under a header row, and its checks.
//!
//! Reading happens in two steps so that the domain stays free of storage: [`TableCheck::read`]
//! checks every cell it can alone and collects the unit names the rows use; the caller looks
//! those up in the org tree ([`UnitDirectory`]) and [`TableCheck::finish`] resolves them. Every
//! problem names the row (as numbered in the file, the header being its own row) and the
//! column (the header text as the file has it, with its letter).

mod resolve;

pub use resolve::UnitDirectory;

use super::issues::{DutyIssue, DutyRules, Severity};
use super::taxonomy::{Taxonomy, normalize_code};
use super::units::{LocalUnit, UnitRef};
use super::{Duty, DutyList};
use jiceng_kernel::calendar::TimeLimit;
use jiceng_kernel::error::{Code, codes};
use jiceng_kernel::ids::DutyId;
use std::collections::HashMap;

pub const MATTER: &str = "事项名称";
pub const CATEGORY: &str = "分类编码";
pub const KEYWORDS: &str = "关键词";
pub const LEAD: &str = "主办单位";
pub const ASSISTING: &str = "协办单位";
pub const LEGAL_BASIS: &str = "法律依据";
pub const SIGN_FOR: &str = "签收时限";
pub const HANDLING: &str = "办理时限";
pub const CALLBACK: &str = "回访时限";
pub const VILLAGE_ASSIST: &str = "村级协助";

/// The columns, in the order exports write them.
pub const HEADERS: [&str; 10] = [
    MATTER,
    CATEGORY,
    KEYWORDS,
    LEAD,
    ASSISTING,
    LEGAL_BASIS,
    SIGN_FOR,
    HANDLING,
    CALLBACK,
    VILLAGE_ASSIST,
];
const REQUIRED: [&str; 5] = [MATTER, CATEGORY, LEAD, SIGN_FOR, HANDLING];

/// The most rows one list may have; a county's real lists hold a few hundred.
pub const MAX_DUTIES: usize = 5000;
const MAX_MATTER: usize = 200;
const MAX_LEGAL_BASIS: usize = 4000;
const MAX_KEYWORDS: usize = 50;
const MAX_KEYWORD: usize = 20;
const MAX_CATEGORY: usize = 100;
/// The longest unit name of the org tree ([`jiceng_kernel::org::MAX_UNIT_NAME`]) and a town's office.
const MAX_UNIT_TEXT: usize = 2 * jiceng_kernel::org::MAX_UNIT_NAME;
const MAX_UNITS: usize = 20;
const MAX_LIMIT_TEXT: usize = 20;

/// A row whose units are not yet resolved.
#[derive(Debug, Clone)]
struct Draft {
    row: u32,
    duty: Duty,
    lead: Option<String>,
    assisting: Vec<String>,
}

/// A list being read: the rows checked so far and the problems found.
#[derive(Debug, Clone)]
pub struct TableCheck {
    drafts: Vec<Draft>,
    issues: Vec<DutyIssue>,
    /// Column header and letter by field, as the file has them.
    columns: HashMap<&'static str, (usize, String)>,
}

fn letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(char::from(b'A' + (i % 26) as u8));
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.iter().rev().collect()
}

/// A cell quoted in a message: at most 20 characters of it.
fn shown(cell: &str) -> String {
    let mut s: String = cell.chars().take(20).collect();
    if cell.chars().count() > 20 {
        s.push('…');
    }
    s
}

fn is_blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

/// Splits a cell listing several values (`、`, `，`, `;`, new lines).
fn split_list(cell: &str, spaces_too: bool) -> Vec<String> {
    cell.split(|c: char| {
        matches!(c, '、' | '，' | ',' | ';' | '；' | '\n' | '|')
            || (spaces_too && c.is_whitespace())
    })
    .map(str::trim)
    .filter(|s| !s.is_empty())
    .map(str::to_owned)
    .collect()
}

fn parse_flag(cell: &str) -> Option<bool> {
    match cell.trim().to_lowercase().as_str() {
        "" | "否" | "n" | "no" | "false" | "0" | "×" => Some(false),
        "是" | "y" | "yes" | "true" | "1" | "√" | "✓" => Some(true),
        _ => None,
    }
}

impl TableCheck {
    fn issue(&mut self, row: u32, field: &str, sev: Severity, code: Code, msg: String) {
        let (column, message) = match self.columns.get(field) {
            Some((i, header)) => (
                header.clone(),
                format!("第 {row} 行“{header}”列（{} 列）：{msg}", letter(*i)),
            ),
            None => (field.to_owned(), format!("第 {row} 行“{field}”列：{msg}")),
        };
        self.issues.push(DutyIssue {
            row,
            column,
            severity: sev,
            code: code.as_str().to_owned(),
            message,
        });
    }

    fn error(&mut self, row: u32, field: &str, code: Code, msg: String) {
        self.issue(row, field, Severity::Error, code, msg);
    }

    /// Checks a table: `rows[i]` is row `i + 1` of the file, cell `j` its column `j`.
    pub fn read(rows: &[Vec<String>], taxonomy: &Taxonomy, rules: &DutyRules) -> Self {
        let mut t = Self {
            drafts: Vec::new(),
            issues: Vec::new(),
            columns: HashMap::new(),
        };
        let Some(h) = rows.iter().position(|r| !is_blank(r)) else {
            t.error(
                1,
                MATTER,
                codes::DUTY_LIST_EMPTY,
                "文件是空的：第一行应为表头".into(),
            );
            return t;
        };
        let header_row = h as u32 + 1;
        for (i, cell) in rows[h].iter().enumerate() {
            let name = cell.trim().trim_start_matches('\u{feff}').trim();
            match HEADERS.iter().find(|f| **f == name) {
                Some(f) if !t.columns.contains_key(f) => {
                    t.columns.insert(f, (i, name.to_owned()));
                }
                Some(_) => t.error(
                    header_row,
                    name,
                    codes::DUTY_LIST_DUPLICATE_COLUMN,
                    format!("表头重复（{} 列），请删除多余的一列", letter(i)),
                ),
                None if !name.is_empty() => t.issue(
                    header_row,
                    name,
                    Severity::Warning,
                    codes::DUTY_LIST_UNKNOWN_COLUMN,
                    format!(
                        "无法识别的列（{} 列），已忽略；可用的列为：{}",
                        letter(i),
                        HEADERS.join("、")
                    ),
                ),
                None => {}
            }
        }
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|f| !t.columns.contains_key(f))
            .collect();
        for f in &missing {
            t.error(
                header_row,
                f,
                codes::DUTY_LIST_MISSING_COLUMN,
                "表头缺少此列".into(),
            );
        }
        if !missing.is_empty() {
            return t;
        }
        let data: Vec<(u32, &Vec<String>)> = rows
            .iter()
            .enumerate()
            .skip(h + 1)
            .filter(|(_, r)| !is_blank(r))
            .map(|(i, r)| (i as u32 + 1, r))
            .collect();
        if data.is_empty() {
            t.error(
                header_row,
                MATTER,
                codes::DUTY_LIST_NO_DUTIES,
                "表头下没有任何事项".into(),
            );
        }
        if data.len() > MAX_DUTIES {
            t.error(
                data[MAX_DUTIES].0,
                MATTER,
                codes::DUTY_LIST_TOO_MANY,
                format!("一个清单最多 {MAX_DUTIES} 项，实际 {} 项", data.len()),
            );
            return t;
        }
        for (row, cells) in data {
            t.read_row(row, cells, taxonomy);
        }
        t.check_list(rules);
        t
    }

    fn cell<'a>(&self, cells: &'a [String], field: &str) -> &'a str {
        self.columns
            .get(field)
            .and_then(|(i, _)| cells.get(*i))
            .map_or("", |s| s.trim())
    }

    fn text(
        &mut self,
        row: u32,
        cells: &[String],
        field: &'static str,
        max: usize,
    ) -> Option<String> {
        let v = self.cell(cells, field).to_owned();
        if v.chars().count() > max {
            self.error(
                row,
                field,
                codes::DUTY_LIST_TOO_LONG,
                format!("内容过长：最多 {max} 个字符"),
            );
            return None;
        }
        if v.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.error(
                row,
                field,
                codes::DUTY_LIST_CONTROL_CHARACTER,
                "含有控制字符".into(),
            );
            return None;
        }
        Some(v)
    }

    fn limit(
        &mut self,
        row: u32,
        cells: &[String],
        field: &'static str,
    ) -> Option<Option<TimeLimit>> {
        let v = self.cell(cells, field).to_owned();
        if v.is_empty() {
            return Some(None);
        }
        if v.chars().count() > MAX_LIMIT_TEXT {
            self.error(
                row,
                field,
                codes::DUTY_LIST_INVALID_TIME_LIMIT,
                "无法识别的时限：应写作“2小时”“8工作小时”或“3个工作日”".into(),
            );
            return None;
        }
        match TimeLimit::parse(&v) {
            Ok(l) => Some(Some(l)),
            Err(e) => {
                self.error(row, field, codes::DUTY_LIST_INVALID_TIME_LIMIT, e.message);
                None
            }
        }
    }

    fn read_row(&mut self, row: u32, cells: &[String], taxonomy: &Taxonomy) {
        let before = self.issues.len();
        let matter = self
            .text(row, cells, MATTER, MAX_MATTER)
            .unwrap_or_default();
        if matter.is_empty() {
            self.error(
                row,
                MATTER,
                codes::DUTY_LIST_REQUIRED,
                "事项名称不能为空".into(),
            );
        }
        let raw_cat = self.cell(cells, CATEGORY).to_owned();
        let category = taxonomy.normalize(&raw_cat).unwrap_or_default();
        if raw_cat.chars().count() > MAX_CATEGORY {
            self.error(
                row,
                CATEGORY,
                codes::DUTY_LIST_TOO_LONG,
                format!("分类编码过长：最多 {MAX_CATEGORY} 个字符"),
            );
        } else if raw_cat.is_empty() {
            self.error(
                row,
                CATEGORY,
                codes::DUTY_LIST_REQUIRED,
                "分类编码不能为空".into(),
            );
        } else if category.is_empty() {
            let code = normalize_code(&raw_cat);
            let hint = taxonomy_hint(taxonomy, &code);
            self.error(row, CATEGORY, codes::DUTY_LIST_UNKNOWN_CATEGORY,
                format!("分类“{raw_cat}”不在分类体系中{hint}；分类编码写作“一级/二级/三级”，如“城乡建设/城乡规划/违章建筑”"));
        }
        let keywords = split_list(self.cell(cells, KEYWORDS), true);
        if keywords.len() > MAX_KEYWORDS || keywords.iter().any(|k| k.chars().count() > MAX_KEYWORD)
        {
            self.error(
                row,
                KEYWORDS,
                codes::DUTY_LIST_INVALID_KEYWORDS,
                format!("关键词最多 {MAX_KEYWORDS} 个，每个不超过 {MAX_KEYWORD} 个字符"),
            );
        }
        let lead = self.cell(cells, LEAD).to_owned();
        if lead.is_empty() {
            self.error(
                row,
                LEAD,
                codes::DUTY_LIST_REQUIRED,
                "主办单位不能为空".into(),
            );
        } else if lead.chars().count() > MAX_UNIT_TEXT {
            self.error(
                row,
                LEAD,
                codes::DUTY_LIST_TOO_LONG,
                format!("单位名称过长：最多 {MAX_UNIT_TEXT} 个字符"),
            );
        }
        let assisting = split_list(self.cell(cells, ASSISTING), false);
        if assisting.len() > MAX_UNITS
            || assisting.iter().any(|u| u.chars().count() > MAX_UNIT_TEXT)
        {
            self.error(
                row,
                ASSISTING,
                codes::DUTY_LIST_TOO_LONG,
                format!("协办单位最多 {MAX_UNITS} 个，每个名称不超过 {MAX_UNIT_TEXT} 个字符"),
            );
        }
        let legal = self
            .text(row, cells, LEGAL_BASIS, MAX_LEGAL_BASIS)
            .unwrap_or_default();
        let sign_for = self.limit(row, cells, SIGN_FOR);
        let handling = self.limit(row, cells, HANDLING);
        let callback = self.limit(row, cells, CALLBACK).flatten();
        for (field, v) in [(SIGN_FOR, sign_for), (HANDLING, handling)] {
            if v == Some(None) {
                self.error(
                    row,
                    field,
                    codes::DUTY_LIST_REQUIRED,
                    "时限不能为空，写作“2小时”“8工作小时”或“3个工作日”".into(),
                );
            }
        }
        let flag = self.cell(cells, VILLAGE_ASSIST).to_owned();
        let village_assist = parse_flag(&flag).unwrap_or_else(|| {
            self.error(
                row,
                VILLAGE_ASSIST,
                codes::DUTY_LIST_INVALID_FLAG,
                format!("“{}”无法识别：请填“是”或“否”", shown(&flag)),
            );
            false
        });
        let (Some(Some(sign_for)), Some(Some(handling))) = (sign_for, handling) else {
            return;
        };
        if self.issues[before..]
            .iter()
            .any(|i| i.severity == Severity::Error)
        {
            return;
        }
        let duty = Duty {
            id: DutyId(uuid::Uuid::nil()),
            position: self.drafts.len() as u32 + 1,
            matter,
            category,
            keywords,
            // Placeholder until `finish` resolves the unit.
            lead: UnitRef::Local {
                local: LocalUnit::Town,
            },
            assisting: Vec::new(),
            legal_basis: (!legal.is_empty()).then_some(legal),
            sign_for,
            handling,
            callback,
            village_assist,
        };
        self.drafts.push(Draft {
            row,
            duty,
            lead: Some(lead),
            assisting,
        });
    }

    /// Checks across rows: duplicates and the village-level rule.
    fn check_list(&mut self, rules: &DutyRules) {
        let mut seen: HashMap<(String, String), u32> = HashMap::new();
        let mut warn = Vec::new();
        for d in &self.drafts {
            let key = (d.duty.matter.clone(), d.duty.category.clone());
            if let Some(first) = seen.insert(key, d.row) {
                warn.push((
                    d.row,
                    MATTER,
                    codes::DUTY_LIST_DUPLICATE_MATTER,
                    format!("与第 {first} 行的事项名称和分类相同，请确认是否重复"),
                ));
            }
        }
        if let Some(max) = rules.max_village_assist {
            let village: Vec<u32> = self
                .drafts
                .iter()
                .filter(|d| d.duty.village_assist)
                .map(|d| d.row)
                .collect();
            if let Some(row) = village.get(max) {
                warn.push((*row, VILLAGE_ASSIST, codes::DUTY_LIST_VILLAGE_ASSIST_OVER_LIMIT,
                    format!("村级协助事项共 {} 项，超过 {max} 项的上限（自此行起超出）；请核减村（社区）协助事项", village.len())));
            }
        }
        for (row, field, code, msg) in warn {
            self.issue(row, field, Severity::Warning, code, msg);
        }
    }
}

/// ` （您是否指“城乡建设/城乡规划/违章建筑”？）` when the last level alone names a known code.
fn taxonomy_hint(taxonomy: &Taxonomy, code: &str) -> String {
    let last = code.rsplit('/').next().unwrap_or(code);
    let mut hits = taxonomy
        .codes()
        .filter(|c| c.rsplit('/').next() == Some(last) && *c != code);
    match (hits.next(), hits.next()) {
        (Some(c), None) => format!("（您是否指“{c}”？）"),
        _ => String::new(),
    }
}

/// The list as rows: the header, then one row per duty, in the layout [`TableCheck::read`] reads.
pub fn to_rows(list: &DutyList) -> Vec<Vec<String>> {
    let mut rows = vec![HEADERS.iter().map(|h| (*h).to_owned()).collect()];
    for d in &list.duties {
        let units = |v: &[UnitRef]| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("、")
        };
        rows.push(vec![
            d.matter.clone(),
            d.category.clone(),
            d.keywords.join("、"),
            d.lead.to_string(),
            units(&d.assisting),
            d.legal_basis.clone().unwrap_or_default(),
            d.sign_for.to_string(),
            d.handling.to_string(),
            d.callback.map(|c| c.to_string()).unwrap_or_default(),
            if d.village_assist { "是" } else { "否" }.to_owned(),
        ]);
    }
    rows
}
