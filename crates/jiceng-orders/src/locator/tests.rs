use super::*;
use jiceng_kernel::org::UnitPath;

/// Real names from Taipei (臺北市): 新安里 exists in both 內湖區 and 萬華區.
struct Tree {
    units: Vec<OrgUnit>,
}

impl Tree {
    fn new() -> Self {
        let mut t = Self { units: Vec::new() };
        let city = t.add(None, OrgKind::County, "臺北市");
        let daan = t.add(Some(city), OrgKind::Town, "大安區");
        let neihu = t.add(Some(city), OrgKind::Town, "內湖區");
        let wanhua = t.add(Some(city), OrgKind::Town, "萬華區");
        let longmen = t.add(Some(daan), OrgKind::Community, "龍門里");
        t.add(Some(neihu), OrgKind::Community, "新安里");
        t.add(Some(wanhua), OrgKind::Community, "新安里");
        t.add(Some(longmen), OrgKind::Grid, "龍門里第一网格");
        t
    }

    fn add(&mut self, parent: Option<usize>, kind: OrgKind, name: &str) -> usize {
        let id = UnitId(uuid::Uuid::from_u128(self.units.len() as u128 + 1));
        let (parent_id, path) = match parent {
            Some(p) => (Some(self.units[p].id), self.units[p].path.child(id)),
            None => (None, UnitPath::root(id)),
        };
        self.units.push(OrgUnit {
            id,
            parent_id,
            kind,
            name: name.into(),
            code: None,
            path,
            geometry: None,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
        });
        self.units.len() - 1
    }

    fn id(&self, i: usize) -> UnitId {
        self.units[i].id
    }
}

/// The grid 龍門里第一网格 is the square 121.53–121.54 × 25.02–25.03.
struct OneGrid(UnitId);

impl PointIndex for OneGrid {
    fn units_at(&self, lon: f64, lat: f64) -> Vec<UnitId> {
        if (121.53..=121.54).contains(&lon) && (25.02..=25.03).contains(&lat) {
            vec![self.0]
        } else {
            Vec::new()
        }
    }
}

fn locator() -> (Tree, Locator) {
    let t = Tree::new();
    let aliases = vec![(t.id(4), "新生南路三段".to_owned())];
    let l = Locator::new(&t.units, &aliases, Arc::new(OneGrid(t.id(7))));
    (t, l)
}

fn names(o: &Outcome) -> Vec<String> {
    o.located()
        .unwrap()
        .chain
        .iter()
        .map(|u| u.name.clone())
        .collect()
}

#[test]
fn point_gives_grid_community_town() {
    let (_, l) = locator();
    let o = l.locate(&Query {
        point: Some((121.535, 25.025)),
        address: Some("萬華區新安里"),
    });
    assert_eq!(names(&o), ["龍門里第一网格", "龍門里", "大安區"]);
    let loc = o.located().unwrap();
    assert_eq!(loc.method, Method::Point);
    assert_eq!(
        loc.explanation,
        "坐标 (121.535000, 25.025000) 落在 大安區 龍門里 龍門里第一网格 网格内"
    );
}

#[test]
fn text_with_district_resolves_a_namesake() {
    let (t, l) = locator();
    let o = l.locate(&Query {
        point: None,
        address: Some("臺北市內湖區新安里康寧路三段"),
    });
    let loc = o.located().unwrap();
    assert_eq!(loc.unit().unwrap().id, t.id(5));
    assert_eq!(loc.method, Method::Text);
    assert_eq!(
        loc.explanation,
        "地址文字匹配 “臺北市”、“內湖區”、“新安里”，定位到 內湖區 新安里"
    );
    // Simplified characters and 台 for 臺 are read the same.
    let o = l.locate(&Query {
        point: None,
        address: Some("台北市万华区新安里"),
    });
    assert_eq!(
        o.located().map(|l| l.unit().unwrap().id),
        None,
        "万 is not folded: {o:?}"
    );
    let o = l.locate(&Query {
        point: None,
        address: Some("台北市萬華区新安里"),
    });
    assert_eq!(o.located().unwrap().unit().unwrap().id, t.id(6));
}

#[test]
fn namesake_without_district_is_ambiguous_not_guessed() {
    let (t, l) = locator();
    let o = l.locate(&Query {
        point: None,
        address: Some("新安里活动中心门口路灯不亮"),
    });
    let Outcome::Ambiguous {
        candidates,
        explanation,
    } = &o
    else {
        panic!("{o:?}")
    };
    let ids: Vec<UnitId> = candidates.iter().map(|c| c[0].id).collect();
    assert_eq!(ids, [t.id(5), t.id(6)]);
    assert!(
        explanation.contains("內湖區 新安里、萬華區 新安里"),
        "{explanation}"
    );
}

#[test]
fn alias_and_fallback_from_a_point_outside() {
    let (t, l) = locator();
    let o = l.locate(&Query {
        point: Some((120.0, 23.0)),
        address: Some("新生南路三段100号"),
    });
    let loc = o.located().unwrap();
    assert_eq!(loc.unit().unwrap().id, t.id(4));
    assert!(
        loc.explanation
            .starts_with("坐标 (120.000000, 23.000000) 不在任何已导入的网格或社区范围内；")
    );
    assert!(
        loc.explanation.contains("“新生南路三段”（龍門里的别名）"),
        "{}",
        loc.explanation
    );
}

#[test]
fn nothing_known_is_not_found() {
    let (_, l) = locator();
    for q in [
        Query {
            point: None,
            address: None,
        },
        Query {
            point: Some((f64::NAN, 1.0)),
            address: Some("   "),
        },
        Query {
            point: None,
            address: Some("😀 某某路 1 号 ∑"),
        },
        Query {
            point: None,
            address: Some(&"区".repeat(100_000)),
        },
    ] {
        assert!(matches!(l.locate(&q), Outcome::NotFound { .. }), "{q:?}");
    }
}
