//! Spreadsheet files of responsibility lists: Excel (.xlsx, and old .xls on input) and CSV.
//!
//! A file becomes a grid of cell texts, `rows[i][j]` being row `i + 1` and column `j` (A = 0)
//! of the file, so that the domain's checks can name rows and columns as the clerk sees them.
//! The format is recognised by content, not by name: a renamed file still reads. CSV input may
//! be UTF-8 (with or without BOM) or GBK, as Excel on a Chinese Windows saves it; CSV output is
//! UTF-8 with a BOM so that Excel opens it without garbling.

use calamine::{Data, Reader, Sheets, open_workbook_auto_from_rs};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use std::io::Cursor;

/// The file kinds a list can be exported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Xlsx,
    Csv,
}

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const XLS_TYPE: &str = "application/vnd.ms-excel";
pub const CSV_TYPE: &str = "text/csv; charset=utf-8";

impl TableFormat {
    /// From a file name's extension (`.xlsx`, `.csv`).
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".xlsx") {
            Some(Self::Xlsx)
        } else if lower.ends_with(".csv") {
            Some(Self::Csv)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Xlsx => XLSX_TYPE,
            Self::Csv => CSV_TYPE,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
        }
    }
}

/// The largest grid read, in cells: far above any real list (5,000 duties × 10 columns).
const MAX_CELLS: usize = 200_000;
const SHEET_NAME: &str = "权责清单";

fn unreadable(msg: impl Into<String>) -> Error {
    Error::new(codes::DUTY_FILE_UNREADABLE, msg)
}

/// Reads the first sheet of a workbook, or a CSV file, into cell texts.
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if zip || ole {
        read_workbook(bytes)
    } else {
        read_csv(&decode_text(bytes)?)
    }
}

/// The most a workbook may unpack to, by its own directory: a zip bomb is refused unopened.
const MAX_UNPACKED_BYTES: u128 = 100 * 1024 * 1024;

/// The farthest cell read (row, column; 0-based): far beyond any real list, and small enough
/// that a grid of them is never built from one far-away cell.
const MAX_POSITION: (u32, u32) = (100_000, 200);

fn read_workbook(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    if bytes.starts_with(b"PK\x03\x04")
        && unpacked_size(bytes).is_some_and(|n| n > MAX_UNPACKED_BYTES)
    {
        return Err(unreadable("Excel 文件解压后过大：一个清单最多 5000 项"));
    }
    // The spreadsheet reader panics on some malformed cell references (an arithmetic
    // overflow); a broken file is unreadable, never a crash.
    std::panic::catch_unwind(|| read_book_cells(bytes))
        .unwrap_or_else(|_| Err(unreadable(UNREADABLE_BOOK)))
}

/// The sum of a zip's entry sizes as its directory states them; `None` when the directory
/// cannot be read (the reader then refuses the file itself).
fn unpacked_size(bytes: &[u8]) -> Option<u128> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut total = 0u128;
    for i in 0..zip.len() {
        total += u128::from(zip.by_index_raw(i).ok()?.size());
    }
    Some(total)
}

const UNREADABLE_BOOK: &str = "无法读取该 Excel 文件：请用 Excel 另存为 .xlsx 后重新上传";

/// The first sheet's cells, placed by their position in the file. An .xlsx is read cell by
/// cell: building its grid first would let one cell at XFD1048576 claim 500 GB.
fn read_book_cells(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    let book =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| unreadable(UNREADABLE_BOOK))?;
    let mut cells: Vec<((u32, u32), String)> = Vec::new();
    let mut place = |pos: (u32, u32), text: String| -> Result<()> {
        if pos.0 > MAX_POSITION.0 || pos.1 > MAX_POSITION.1 || cells.len() >= MAX_CELLS {
            return Err(unreadable(format!(
                "表格过大（第 {} 行第 {} 列有内容）：一个清单最多 5000 项、{} 列",
                pos.0 + 1,
                pos.1 + 1,
                MAX_POSITION.1
            )));
        }
        if !text.is_empty() {
            cells.push((pos, text));
        }
        Ok(())
    };
    match book {
        Sheets::Xlsx(mut book) => {
            let Some(name) = book.sheet_names().first().cloned() else {
                return Err(unreadable("Excel 文件中没有工作表"));
            };
            let mut reader = book
                .worksheet_cells_reader(&name)
                .map_err(|_| unreadable("Excel 文件的第一个工作表无法读取"))?;
            while let Some(cell) = reader
                .next_cell()
                .map_err(|_| unreadable("Excel 文件的第一个工作表无法读取"))?
            {
                place(
                    cell.get_position(),
                    cell_text(&Data::from(cell.get_value().clone())),
                )?;
            }
        }
        // The old binary format holds at most 65,536 × 256 cells, so its grid is bounded.
        Sheets::Xls(mut book) => {
            let range = match book.worksheet_range_at(0) {
                Some(Ok(r)) => r,
                Some(Err(_)) => return Err(unreadable("Excel 文件的第一个工作表无法读取")),
                None => return Err(unreadable("Excel 文件中没有工作表")),
            };
            for (row, col, d) in range.used_cells() {
                let start = range.start().unwrap_or((0, 0));
                place((start.0 + row as u32, start.1 + col as u32), cell_text(d))?;
            }
        }
        _ => return Err(unreadable(UNREADABLE_BOOK)),
    }
    let height = cells
        .iter()
        .map(|((r, _), _)| *r as usize + 1)
        .max()
        .unwrap_or(0);
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); height];
    for ((r, c), text) in cells {
        let row = &mut rows[r as usize];
        if row.len() <= c as usize {
            row.resize(c as usize + 1, String::new());
        }
        row[c as usize] = text;
    }
    Ok(rows)
}

/// A cell as the clerk typed it: whole numbers without `.0`.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// UTF-8 (BOM stripped) when the bytes are valid UTF-8, else GBK (GB18030 decoder, a
/// superset); bytes that are neither are refused rather than garbled.
pub fn decode_text(bytes: &[u8]) -> Result<String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok(s.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(body);
    if had_errors {
        return Err(Error::new(
            codes::DUTY_FILE_ENCODING,
            "CSV 文件的编码无法识别：请保存为 UTF-8 或 GBK 编码",
        ));
    }
    Ok(text.into_owned())
}

fn read_csv(text: &str) -> Result<Vec<Vec<String>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let starts = record_rows(text);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut cells = 0usize;
    for (k, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            unreadable(format!("CSV 第 {line} 行格式错误（引号不成对？）"))
        })?;
        let row = starts.get(k).copied().unwrap_or(rows.len() + 1);
        while rows.len() + 1 < row {
            rows.push(Vec::new());
        }
        cells += rec.len();
        if cells > MAX_CELLS {
            return Err(unreadable("CSV 文件过大：一个清单最多 5000 项"));
        }
        rows.push(rec.iter().map(str::to_owned).collect());
    }
    Ok(rows)
}

/// The row (1-based, as Excel shows the file) on which each non-blank record starts. The csv
/// reader skips blank lines and its line numbers do not say where; Excel counts a blank line
/// as a row and a quoted cell spanning lines as one.
fn record_rows(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut row, mut quoted, mut blank) = (1usize, false, true);
    for c in text.chars() {
        match c {
            // Doubled quotes inside a quoted cell toggle twice: no net change.
            '"' => {
                quoted = !quoted;
                blank = false;
            }
            '\n' if !quoted => {
                if !blank {
                    starts.push(row);
                }
                row += 1;
                blank = true;
            }
            '\r' if !quoted => {}
            _ => blank = false,
        }
    }
    if !blank {
        starts.push(row);
    }
    starts
}

/// CSV, UTF-8 with a BOM.
pub fn write_csv(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    for r in rows {
        w.write_record(r)
            .map_err(|e| Error::internal(format!("CSV 写出失败：{e}")))?;
    }
    w.into_inner()
        .map_err(|e| Error::internal(format!("CSV 写出失败：{e}")))
}

/// An Excel workbook with one sheet, the first row bold.
pub fn write_xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let fail = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("Excel 写出失败：{e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET_NAME).map_err(fail)?;
    for (i, row) in rows.iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            let (r, c) = (
                u32::try_from(i).map_err(|_| Error::internal("行数过多"))?,
                u16::try_from(j).map_err(|_| Error::internal("列数过多"))?,
            );
            let format = if i == 0 { &bold } else { &wrap };
            sheet
                .write_string_with_format(r, c, cell, format)
                .map_err(fail)?;
        }
    }
    let widths = rows.first().map_or(0, Vec::len);
    for c in 0..widths {
        let widest = rows
            .iter()
            .filter_map(|r| r.get(c))
            .map(|s| {
                s.chars()
                    .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(8);
        let c = u16::try_from(c).map_err(|_| Error::internal("列数过多"))?;
        sheet
            .set_column_width(c, widest.clamp(8, 60) as f64)
            .map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn csv_rows_are_numbered_as_excel_shows_them() {
        let text = "\r\n事项,分类\r\n\r\n\"多行\n内容\",\"引\"\"号\"\r\n末行,x";
        let rows = read_csv(text).unwrap();
        let cells: Vec<(usize, String)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_empty())
            .map(|(i, r)| (i + 1, r[0].clone()))
            .collect();
        assert_eq!(
            cells,
            vec![
                (2, "事项".to_owned()),
                (4, "多行\n内容".to_owned()),
                (5, "末行".to_owned())
            ]
        );
        assert_eq!(rows[3][1], "引\"号");
    }

    #[test]
    fn gbk_and_bom_are_decoded_and_garbage_is_refused() {
        let (gbk, _, _) = encoding_rs::GBK.encode("事项名称,主办单位");
        assert_eq!(decode_text(&gbk).unwrap(), "事项名称,主办单位");
        assert_eq!(decode_text("\u{feff}事项".as_bytes()).unwrap(), "事项");
        assert!(decode_text(&[0x81, 0x20, 0xFF, 0xFF]).is_err());
        assert!(read_table(b"PK\x03\x04garbage").is_err());
        assert!(read_table(&[0xD0, 0xCF, 0x11, 0xE0, 0, 1]).is_err());
    }
}
