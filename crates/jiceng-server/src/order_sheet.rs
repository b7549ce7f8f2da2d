//! A list of work orders as an Excel workbook: one row per order as the list shows it to the
//! viewer (contact data masked the same way), times in the jurisdiction's zone.

use crate::routes::work_order_view::WorkOrderView;
use chrono::{DateTime, FixedOffset, Utc};
use jiceng_kernel::error::{Error, Result};
use jiceng_orders::sla::Level;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const SHEET_NAME: &str = "工单";

/// Column titles and widths (in characters of the default font; a Chinese character is two).
const COLUMNS: [(&str, f64); 11] = [
    ("工单编号", 24.0),
    ("标题", 40.0),
    ("分类", 16.0),
    ("状态", 10.0),
    ("属地", 18.0),
    ("主办单位", 24.0),
    ("受理时间", 18.0),
    ("办理时限", 18.0),
    ("时限状态", 16.0),
    ("来电人", 10.0),
    ("电话", 16.0),
];

/// Asia/Shanghai: UTC+8 all year (no daylight saving since 1991).
fn china_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Offset::fix(&Utc))
}

/// `2026-03-02 09:00`, local time.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&china_time())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `20260302-0900`, local time, for the file's name.
pub fn file_stamp(t: DateTime<Utc>) -> String {
    t.with_timezone(&china_time())
        .format("%Y%m%d-%H%M")
        .to_string()
}

/// The running clock and its colour: `办理：黄牌预警`; empty when no clock runs.
fn clock_state(o: &WorkOrderView) -> String {
    let (Some(kind), Some(level)) = (o.clock, o.clock_level) else {
        return String::new();
    };
    let level = match level {
        Level::Green => "正常",
        Level::Yellow => "黄牌预警",
        Level::Red => "红牌超期",
    };
    format!("{}：{level}", kind.label_zh())
}

fn row(o: &WorkOrderView) -> [String; 11] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        o.number.clone(),
        o.title.clone(),
        opt(&o.category),
        o.status_label.clone(),
        o.region.unit_name.clone(),
        o.lead
            .as_ref()
            .map(|l| l.unit_name.clone())
            .unwrap_or_default(),
        local(o.created_at),
        o.handling_due.map(local).unwrap_or_default(),
        clock_state(o),
        opt(&o.caller_name),
        opt(&o.caller_phone),
    ]
}

/// The workbook: a bold, frozen header row, then the orders in the list's order. Every cell is
/// text, so a formula-like title stays text.
pub fn write(orders: &[WorkOrderView]) -> Result<Vec<u8>> {
    let fail = |e: XlsxError| Error::internal(format!("Excel 写出失败：{e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET_NAME).map_err(fail)?;
    for (c, (title, width)) in (0u16..).zip(COLUMNS) {
        sheet
            .write_string_with_format(0, c, title, &bold)
            .map_err(fail)?;
        sheet.set_column_width(c, width).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    for (r, o) in (1u32..).zip(orders) {
        for (c, cell) in (0u16..).zip(row(o)) {
            sheet.write_string(r, c, cell).map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}
