//! `jiceng import grids FILE.geojson`: outlines of towns, communities or grids become org
//! units (created, or updated by code on re-import) with their areas for location routing.

use crate::cli::GridsArgs;
use crate::commands::{Opened, load_config, open};
use crate::divisions::KindCounts;
use anyhow::{Context, Result, bail};
use jiceng_geo::{Area, AreaIndex, Crs, Feature, ReadOptions, property_text, read_features};
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{NewOrgUnit, OrgKind, OrgUnit};
use jiceng_orders::locator::UnitArea;
use std::collections::HashMap;

/// One feature, read and named.
struct Input {
    feature: Feature,
    name: String,
    code: Option<String>,
    parent_key: Option<String>,
    aliases: Vec<String>,
}

/// `第 3 个要素（龍門里 / 6300300001）`
fn label(f: &Feature, name: &str, code: Option<&str>) -> String {
    match code {
        Some(c) => format!("第 {} 个要素（{name} / {c}）", f.index + 1),
        None => format!("第 {} 个要素（{name}）", f.index + 1),
    }
}

fn read_input(args: &GridsArgs) -> Result<Vec<Input>> {
    let path = &args.file;
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    // Refuse before reading a huge file into memory.
    if size > jiceng_geo::MAX_BYTES as u64 {
        bail!(
            "{}: 文件过大（{:.1} MB），上限 {} MB：请按街道或社区拆分后分批导入 (geo.file_too_large)",
            path.display(),
            size as f64 / 1_048_576.0,
            jiceng_geo::MAX_BYTES / 1_048_576
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: 不是 UTF-8 编码的文本（第 {} 字节）",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let crs = Crs::parse(&args.crs)
        .ok_or_else(|| anyhow::anyhow!("unknown --crs {:?}: use wgs84, gcj02 or bd09", args.crs))?;
    let opts = ReadOptions {
        crs,
        label_properties: std::iter::once(args.name_property.clone())
            .chain(args.code_property.clone())
            .collect(),
    };
    let features = read_features(&text, &opts)
        .map_err(|e| anyhow::anyhow!("{}: nothing was imported\n{e}", path.display()))?;
    let mut inputs = Vec::with_capacity(features.len());
    let mut problems = Vec::new();
    for f in features {
        let prop = |p: &Option<String>| p.as_ref().and_then(|p| property_text(&f.properties, p));
        let Some(name) = property_text(&f.properties, &args.name_property) else {
            problems.push(format!(
                "第 {} 个要素：缺少名称属性 {}",
                f.index + 1,
                args.name_property
            ));
            continue;
        };
        let code = prop(&args.code_property);
        if args.code_property.is_some() && code.is_none() {
            problems.push(format!(
                "{}：缺少代码属性 {}",
                label(&f, &name, None),
                args.code_property.as_deref().unwrap_or("")
            ));
        }
        let parent_key = prop(&args.parent_property);
        if let (Some(p), None) = (&args.parent_property, &parent_key) {
            problems.push(format!(
                "{}：缺少上级属性 {p}",
                label(&f, &name, code.as_deref())
            ));
        }
        let aliases = prop(&args.alias_property)
            .map(|a| {
                a.split([',', '，', ';', '；', '、'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        inputs.push(Input {
            feature: f,
            name,
            code,
            parent_key,
            aliases,
        });
    }
    if !problems.is_empty() {
        bail!(
            "{}: nothing was imported\n{}",
            path.display(),
            problems.join("\n")
        );
    }
    Ok(inputs)
}

/// What the import will write.
#[derive(Default)]
struct Plan {
    new_units: Vec<OrgUnit>,
    renamed: Vec<OrgUnit>,
    unchanged: usize,
    areas: Vec<UnitArea>,
    aliases: Vec<(UnitId, Vec<String>)>,
    warnings: Vec<String>,
}

/// Finds or creates the unit the features go under.
async fn import_root(db: &Opened, args: &GridsArgs) -> Result<(OrgUnit, Option<OrgUnit>)> {
    let key = args.parent.trim();
    if let Some(u) = db.orders.store.find_unit_by_code(key).await? {
        return Ok((u, None));
    }
    if let Some(id) = UnitId::parse(key)
        && let Some(u) = db.orders.store.get_unit(id).await?
    {
        return Ok((u, None));
    }
    let Some(name) = &args.parent_name else {
        bail!(
            "unknown --parent {key:?}: no unit has this code or id (add --parent-name NAME to create it as a new county-level unit)"
        );
    };
    let new = NewOrgUnit::parse(None, OrgKind::County, name, Some(key), None).map_err(|e| {
        anyhow::anyhow!("invalid --parent/--parent-name: {} ({})", e.message, e.code)
    })?;
    let unit = db
        .orders
        .accounts
        .build_unit(new, None)
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
    Ok((unit.clone(), Some(unit)))
}

/// How each feature finds its parent unit.
enum ParentRule<'a> {
    ByCode(HashMap<&'a str, &'a OrgUnit>),
    ByName(HashMap<&'a str, Vec<&'a OrgUnit>>),
    /// The finest unit whose stored outline holds the feature's interior point.
    ByArea(AreaIndex<UnitId>, HashMap<UnitId, &'a OrgUnit>),
    Root(&'a OrgUnit),
}

impl ParentRule<'_> {
    fn parent_of(&self, input: &Input) -> Result<&OrgUnit, String> {
        let key = input.parent_key.as_deref().unwrap_or("");
        match self {
            Self::ByCode(m) => m
                .get(key)
                .copied()
                .ok_or_else(|| format!("上级代码 {key} 不在 --parent 之下")),
            Self::ByName(m) => match m.get(key).map(Vec::as_slice) {
                Some([one]) => Ok(*one),
                Some([_, _, ..]) => Err(format!(
                    "上级名称 {key} 有多个同名单位，请改用 --parent-match code"
                )),
                _ => Err(format!("上级名称 {key} 不在 --parent 之下")),
            },
            Self::ByArea(ix, units) => {
                let (lon, lat) = input.feature.interior_point().ok_or("没有内部点")?;
                ix.locate(lon, lat)
                    .and_then(|h| units.get(&h.area.key).copied())
                    .ok_or_else(|| format!("内部点 ({lon:.6}, {lat:.6}) 不在 --parent 之下任何已导入边界的上级单位内"))
            }
            Self::Root(u) => Ok(u),
        }
    }
}

async fn plan(
    db: &Opened,
    args: &GridsArgs,
    kind: OrgKind,
    root: &OrgUnit,
    inputs: &[Input],
) -> Result<Plan> {
    let store = &db.orders.store;
    let subtree: Vec<OrgUnit> = jiceng_geo::all_units(store.as_ref())
        .await?
        .into_iter()
        .filter(|u| root.path.contains(&u.path))
        .collect();
    let hosts: Vec<&OrgUnit> = std::iter::once(root)
        .chain(subtree.iter().filter(|u| u.id != root.id))
        .filter(|u| u.kind.allows_child(kind))
        .collect();
    let rule = match (args.parent_property.is_some(), args.parent_match.as_str()) {
        (true, "code") => ParentRule::ByCode(
            hosts
                .iter()
                .filter_map(|u| Some((u.code.as_deref()?, *u)))
                .collect(),
        ),
        (true, "name") => {
            let mut m: HashMap<&str, Vec<&OrgUnit>> = HashMap::new();
            for u in &hosts {
                m.entry(u.name.as_str()).or_default().push(*u);
            }
            ParentRule::ByName(m)
        }
        (true, other) => bail!("unknown --parent-match {other:?}: use code or name"),
        (false, _) => {
            let areas = store.list_areas(root.path.county()).await?;
            let by_id: HashMap<UnitId, &OrgUnit> = hosts.iter().map(|u| (u.id, *u)).collect();
            let (ix, _) = jiceng_geo::unit_index(&subtree, &areas);
            let within: Vec<Area<UnitId>> =
                ix.0.areas()
                    .iter()
                    .filter(|a| by_id.contains_key(&a.key))
                    .cloned()
                    .collect();
            if within.is_empty() {
                if !root.kind.allows_child(kind) {
                    bail!(
                        "{}（{}）下不能设立{}，其下也没有带边界的上级单位：先导入上一级的边界，或给出 --parent-property",
                        root.name,
                        root.kind.label_zh(),
                        kind.label_zh()
                    );
                }
                ParentRule::Root(root)
            } else {
                ParentRule::ByArea(AreaIndex::build(within), by_id)
            }
        }
    };
    let by_code: HashMap<&str, &OrgUnit> = subtree
        .iter()
        .filter_map(|u| Some((u.code.as_deref()?, u)))
        .collect();
    let mut p = Plan::default();
    let mut problems = Vec::new();
    let now = db.orders.clock.now();
    let source = args
        .file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    for input in inputs {
        let what = label(&input.feature, &input.name, input.code.as_deref());
        let parent = match rule.parent_of(input) {
            Ok(u) => u,
            Err(m) => {
                problems.push(format!("{what}：{m}"));
                continue;
            }
        };
        let existing = match &input.code {
            Some(c) => by_code.get(c.as_str()).copied(),
            None => subtree
                .iter()
                .find(|u| u.parent_id == Some(parent.id) && u.kind == kind && u.name == input.name),
        };
        let unit = match existing {
            Some(u) => {
                if u.kind != kind {
                    problems.push(format!(
                        "{what}：代码已属于{}（{}），不是{}",
                        u.name,
                        u.kind.label_zh(),
                        kind.label_zh()
                    ));
                    continue;
                }
                if u.parent_id != Some(parent.id) {
                    p.warnings
                        .push(format!("{what}：已在 {} 之外的上级下，未移动", parent.name));
                }
                if u.name != input.name {
                    p.renamed.push(OrgUnit {
                        name: input.name.clone(),
                        ..u.clone()
                    });
                } else {
                    p.unchanged += 1;
                }
                u.clone()
            }
            None => {
                let built = NewOrgUnit::parse(
                    Some(parent.id),
                    kind,
                    &input.name,
                    input.code.as_deref(),
                    None,
                )
                .and_then(|n| db.orders.accounts.build_unit(n, Some(parent)));
                match built {
                    Ok(u) => {
                        p.new_units.push(u.clone());
                        u
                    }
                    Err(e) => {
                        problems.push(format!("{what}：{} ({})", e.message, e.code));
                        continue;
                    }
                }
            }
        };
        p.areas.push(jiceng_geo::unit_area(
            unit.id,
            &input.feature.shape,
            &source,
            now,
        ));
        if args.alias_property.is_some() {
            p.aliases.push((unit.id, input.aliases.clone()));
        }
        p.warnings
            .extend(input.feature.repairs.iter().map(|r| format!("{what}：{r}")));
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.truncate(20);
        bail!(
            "{}: {n} features cannot be placed; nothing was imported\n{}",
            args.file.display(),
            problems.join("\n")
        );
    }
    Ok(p)
}

pub async fn run(args: GridsArgs) -> Result<()> {
    let kind = OrgKind::parse(&args.kind)
        .filter(|k| !matches!(k, OrgKind::County | OrgKind::Department))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "unknown --kind {:?}: use town, street, community, village or grid",
                args.kind
            )
        })?;
    // Every feature is read and checked before the database is touched.
    let inputs = read_input(&args)?;
    say!(
        "{}: {} features ({}) read",
        args.file.display(),
        inputs.len(),
        kind.label_zh()
    );
    let config = load_config(&args.data)?;
    let db = open(&config).await?;
    let (root, new_root) = import_root(&db, &args).await?;
    let mut plan = plan(&db, &args, kind, &root, &inputs).await?;
    let store = &db.orders.store;
    let fail = |e: jiceng_kernel::Error| anyhow::anyhow!("{} ({})", e.message, e.code);
    if let Some(r) = new_root {
        plan.new_units.insert(0, r);
    }
    store
        .insert_units(&plan.new_units)
        .await
        .map_err(fail)
        .context("cannot store the units; nothing was imported")?;
    for u in &plan.renamed {
        let audit = jiceng_kernel::audit::records::unit_updated(u, "system", chrono::Utc::now());
        store.update_unit(u, &audit).await.map_err(fail)?;
    }
    store
        .put_areas(&plan.areas)
        .await
        .map_err(fail)
        .context("cannot store the outlines")?;
    for (unit, aliases) in &plan.aliases {
        store.set_unit_aliases(*unit, aliases).await.map_err(fail)?;
    }
    for w in &plan.warnings {
        say!("warning: {w}");
    }
    say!(
        "created {}: {}",
        plan.new_units.len(),
        KindCounts::of(&plan.new_units).describe()
    );
    say!(
        "renamed {}, unchanged {}",
        plan.renamed.len(),
        plan.unchanged
    );
    say!(
        "stored {} outlines under {} ({})",
        plan.areas.len(),
        root.name,
        root.code.as_deref().unwrap_or("-")
    );
    db.store.close().await;
    Ok(())
}
