//! The model file (`.jcm`): self-describing, versioned, checked.
//!
//! ```text
//! "JICENGCM"  u32 version  u32 header length  header (JSON: labels, settings, temperature, …)
//! u32 payload length  payload (gzip: biases, then per used bucket: varint gap, idf, weights)
//! u64 FNV-1a checksum of everything before it
//! ```
//! Only buckets seen in training are stored, as f32, so a model is a few MB and loads to
//! exactly the weights it was saved with. All integers little-endian. Gzip is written with
//! no time stamp, so the same model always gives the same bytes.

use crate::model::{Model, Settings};
use crate::table::WeightTable;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use jiceng_kernel::Error;
use jiceng_kernel::error::codes;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

const MAGIC: &[u8; 8] = b"JICENGCM";
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    labels: Vec<String>,
    settings: Settings,
    temperature: f32,
    /// Buckets stored in the payload.
    buckets: u32,
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::new(
        codes::MODEL_CORRUPT,
        format!("模型文件无效或已损坏：{what}"),
    )
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Serialises a model.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>, Error> {
    let mut payload = Vec::new();
    model
        .biases
        .iter()
        .for_each(|b| payload.extend(b.to_le_bytes()));
    let (mut prev, mut buckets) = (0u32, 0u32);
    for (j, idf, weights) in model.table.rows() {
        let j = j as u32;
        put_varint(&mut payload, j - prev);
        prev = j;
        buckets += 1;
        payload.extend(idf.to_le_bytes());
        weights.iter().for_each(|w| payload.extend(w.to_le_bytes()));
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&payload)
        .map_err(|e| Error::internal(format!("模型压缩失败：{e}")))?;
    let packed = gz
        .finish()
        .map_err(|e| Error::internal(format!("模型压缩失败：{e}")))?;
    let header = serde_json::to_vec(&Header {
        format: format!("jiceng-nlp classifier v{VERSION}"),
        labels: model.labels.clone(),
        settings: model.settings.clone(),
        temperature: model.temperature,
        buckets,
    })
    .map_err(|e| Error::internal(format!("模型头序列化失败：{e}")))?;
    let mut out = MAGIC.to_vec();
    out.extend(VERSION.to_le_bytes());
    out.extend((header.len() as u32).to_le_bytes());
    out.extend(&header);
    out.extend((packed.len() as u32).to_le_bytes());
    out.extend(&packed);
    out.extend(fnv1a(&out).to_le_bytes());
    Ok(out)
}

/// A cursor that fails with a clear error instead of reading past the end.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Error> {
        if self.0.len() < n {
            return Err(corrupt(format!("文件在{what}处被截断")));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u32(&mut self, what: &str) -> Result<u32, Error> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self, what: &str) -> Result<f32, Error> {
        let v = f32::from_bits(self.u32(what)?);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(corrupt(format!("{what}不是有限数")))
        }
    }
    fn varint(&mut self) -> Result<u32, Error> {
        let mut v = 0u32;
        for shift in (0..35).step_by(7) {
            let b = self.take(1, "桶序号")?[0];
            v |= u32::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("桶序号过长"))
    }
}

/// Reads a model, rejecting anything that is not a complete, intact model file.
pub fn from_bytes(bytes: &[u8]) -> Result<Model, Error> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(corrupt("不是 Jiceng 分类模型（文件头不符）"));
    }
    let (body, sum) = bytes.split_at(bytes.len().saturating_sub(8).max(MAGIC.len()));
    let sum: [u8; 8] = sum.try_into().map_err(|_| corrupt("文件被截断"))?;
    if fnv1a(body) != u64::from_le_bytes(sum) {
        return Err(corrupt("校验和不符，文件被截断或改动过"));
    }
    let mut c = Cursor(&body[MAGIC.len()..]);
    let version = c.u32("版本号")?;
    if version != VERSION {
        return Err(Error::new(
            codes::MODEL_UNSUPPORTED_VERSION,
            format!("模型文件版本 {version} 不受支持（本程序读取版本 {VERSION}）"),
        ));
    }
    let len = c.u32("模型头长度")? as usize;
    let header: Header = serde_json::from_slice(c.take(len, "模型头")?)
        .map_err(|e| corrupt(format!("模型头无法解析：{e}")))?;
    let len = c.u32("权重长度")? as usize;
    let mut payload = Vec::new();
    GzDecoder::new(c.take(len, "权重")?)
        .read_to_end(&mut payload)
        .map_err(|e| corrupt(format!("权重无法解压：{e}")))?;
    let k = header.labels.len();
    header.settings.check().map_err(|e| corrupt(e.message))?;
    if k < 2 || !header.temperature.is_finite() || header.temperature <= 0.0 {
        return Err(corrupt("类别数或温度不合理"));
    }
    let dim = 1usize << header.settings.features.hash_bits;
    let mut p = Cursor(&payload);
    let biases = (0..k)
        .map(|_| p.f32("偏置"))
        .collect::<Result<Vec<_>, _>>()?;
    let (mut keys, mut weights) = (Vec::new(), Vec::new());
    let mut j = 0usize;
    for n in 0..header.buckets {
        let gap = p.varint()? as usize;
        if n > 0 && gap == 0 {
            return Err(corrupt("桶序号重复"));
        }
        j += gap;
        let idf = p.f32("IDF")?;
        keys.push((u32::try_from(j).map_err(|_| corrupt("桶序号越界"))?, idf));
        for _ in 0..k {
            weights.push(p.f32("权重")?);
        }
    }
    let table = WeightTable::new(dim, k, &keys, &weights).ok_or_else(|| corrupt("桶序号越界"))?;
    if !p.0.is_empty() {
        return Err(corrupt("权重之后有多余数据"));
    }
    Ok(Model {
        labels: header.labels,
        settings: header.settings,
        table,
        biases,
        temperature: header.temperature,
    })
}
