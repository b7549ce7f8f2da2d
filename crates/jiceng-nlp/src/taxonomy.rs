//! The category tree (一级/二级/三级分类). A category is named by its path from the root,
//! written with `/` between levels (`城乡建设/城乡规划/违章建筑`); a model's labels are
//! such paths, so a model may classify into any one level of the tree.

use jiceng_kernel::Error;
use jiceng_kernel::error::codes;
use std::collections::BTreeSet;

pub const SEPARATOR: char = '/';

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taxonomy {
    /// Every category path of every level, sorted.
    paths: BTreeSet<String>,
}

impl Taxonomy {
    /// Reads a CSV whose columns are the levels from the root down (the official
    /// `一级分类,二级分类,三级分类`); a row may stop early (an empty cell ends it).
    pub fn parse_csv(bytes: &[u8]) -> Result<Self, Error> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut rd = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let mut paths = BTreeSet::new();
        for rec in rd.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                Error::new(
                    codes::TAXONOMY_BAD_CSV,
                    format!("第 {line} 行无法解析：{e}"),
                )
            })?;
            let mut path = String::new();
            for (col, cell) in rec.iter().map(str::trim).enumerate() {
                if cell.is_empty() {
                    break;
                }
                if cell.contains(SEPARATOR) {
                    let line = rec.position().map_or(0, |p| p.line());
                    return Err(Error::new(
                        codes::TAXONOMY_BAD_NAME,
                        format!("第 {line} 行第 {} 列：类别名不能含有“/”", col + 1),
                    ));
                }
                if !path.is_empty() {
                    path.push(SEPARATOR);
                }
                path.push_str(cell);
                paths.insert(path.clone());
            }
        }
        Ok(Self { paths })
    }

    pub fn contains(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// Categories at a level (1 = first level), sorted.
    pub fn level(&self, level: usize) -> Vec<&str> {
        self.paths
            .iter()
            .filter(|p| p.split(SEPARATOR).count() == level)
            .map(String::as_str)
            .collect()
    }

    /// The direct children of a category, sorted.
    pub fn children(&self, path: &str) -> Vec<&str> {
        let depth = path.split(SEPARATOR).count() + 1;
        let prefix = format!("{path}{SEPARATOR}");
        self.paths
            .iter()
            .filter(|p| p.starts_with(&prefix) && p.split(SEPARATOR).count() == depth)
            .map(String::as_str)
            .collect()
    }

    /// Labels (of a model or a training file) that are not categories of this tree.
    pub fn unknown<'a>(&self, labels: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        labels.into_iter().filter(|l| !self.contains(l)).collect()
    }
}
