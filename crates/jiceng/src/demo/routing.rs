//! Which unit handles a demo message: the category's department, refined by a few keywords,
//! the way a dispatcher reads a demand.

/// Indexes into [`super::people::COUNTY_DEPARTMENTS`].
pub const URBAN: usize = 0;
pub const HOUSING: usize = 1;
pub const LABOUR: usize = 2;
pub const MEDICAL_INSURANCE: usize = 3;
pub const CIVIL_AFFAIRS: usize = 4;
pub const ECOLOGY: usize = 5;
pub const TRANSPORT: usize = 6;
pub const EDUCATION: usize = 7;
pub const HEALTH: usize = 8;
pub const MARKET: usize = 9;
pub const WATER: usize = 10;
pub const POLICE: usize = 11;

/// A handling unit of the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Desk {
    /// A county department.
    Dept(usize),
    /// The first street's law-enforcement office (where `handler2` works).
    StreetOffice,
}

/// Keywords that send a message of a category to another department than the default.
const RULES: &[(&str, &[&str], usize)] = &[
    (
        "城乡建设",
        &[
            "物业",
            "业主",
            "业委会",
            "开发商",
            "房产证",
            "不动产",
            "棚改",
            "棚户区",
            "拆迁",
            "征收",
            "公积金",
            "电梯",
            "公租房",
            "廉租房",
            "安置房",
            "楼盘",
            "交房",
        ],
        HOUSING,
    ),
    (
        "城乡建设",
        &["自来水", "供水", "停水", "水压", "水质"],
        WATER,
    ),
    ("城乡建设", &["公路", "村道", "修路", "公交"], TRANSPORT),
    (
        "劳动和社会保障",
        &["医保", "医疗保险", "新农合", "合作医疗", "报销"],
        MEDICAL_INSURANCE,
    ),
    (
        "劳动和社会保障",
        &["低保", "救助", "养老院", "敬老院", "残疾", "五保", "殡葬"],
        CIVIL_AFFAIRS,
    ),
    (
        "卫生计生",
        &["医保", "新农合", "合作医疗", "报销"],
        MEDICAL_INSURANCE,
    ),
    ("环境保护", &["油烟", "占道", "垃圾", "渣土", "烧烤"], URBAN),
    (
        "交通运输",
        &[
            "交警",
            "违停",
            "乱停",
            "驾驶证",
            "驾照",
            "红绿灯",
            "信号灯",
            "电动车",
            "摩托车",
            "酒驾",
            "违章",
        ],
        POLICE,
    ),
];

fn default_department(label: &str) -> usize {
    match label {
        "城乡建设" => URBAN,
        "劳动和社会保障" => LABOUR,
        "教育文体" => EDUCATION,
        "商贸旅游" => MARKET,
        "卫生计生" => HEALTH,
        "环境保护" => ECOLOGY,
        "交通运输" => TRANSPORT,
        _ => URBAN,
    }
}

/// The lead unit for a message; urban-management matters of the first street go to its office.
pub fn lead_for(label: &str, text: &str, in_first_street: bool) -> Desk {
    let dept = RULES
        .iter()
        .find(|(l, words, _)| *l == label && words.iter().any(|w| text.contains(w)))
        .map(|(_, _, d)| *d)
        .unwrap_or_else(|| default_department(label));
    if dept == URBAN && in_first_street {
        Desk::StreetOffice
    } else {
        Desk::Dept(dept)
    }
}

/// The unit that works beside this one most often: co-unit (协办) of joint orders, and the
/// unit a misrouted order is first sent to.
pub fn partner(d: Desk) -> Desk {
    Desk::Dept(match d {
        Desk::StreetOffice => URBAN,
        Desk::Dept(URBAN) => HOUSING,
        Desk::Dept(HOUSING) => URBAN,
        Desk::Dept(LABOUR) => MEDICAL_INSURANCE,
        Desk::Dept(MEDICAL_INSURANCE) => LABOUR,
        Desk::Dept(CIVIL_AFFAIRS) => LABOUR,
        Desk::Dept(ECOLOGY) => URBAN,
        Desk::Dept(TRANSPORT) => POLICE,
        Desk::Dept(EDUCATION) => MARKET,
        Desk::Dept(HEALTH) => MEDICAL_INSURANCE,
        Desk::Dept(MARKET) => URBAN,
        Desk::Dept(WATER) => HOUSING,
        Desk::Dept(POLICE) => TRANSPORT,
        Desk::Dept(_) => URBAN,
    })
}

/// The law a unit's duty rests on, cited when another unit returns a misrouted order.
pub fn statute(d: Desk) -> &'static str {
    match d {
        Desk::StreetOffice | Desk::Dept(URBAN) => "《城市市容和环境卫生管理条例》",
        Desk::Dept(HOUSING) => "《物业管理条例》",
        Desk::Dept(LABOUR) => "《中华人民共和国劳动法》",
        Desk::Dept(MEDICAL_INSURANCE) => "《医疗保障基金使用监督管理条例》",
        Desk::Dept(CIVIL_AFFAIRS) => "《社会救助暂行办法》",
        Desk::Dept(ECOLOGY) => "《中华人民共和国环境保护法》",
        Desk::Dept(TRANSPORT) => "《中华人民共和国道路运输条例》",
        Desk::Dept(EDUCATION) => "《中华人民共和国教育法》",
        Desk::Dept(HEALTH) => "《中华人民共和国基本医疗卫生与健康促进法》",
        Desk::Dept(MARKET) => "《中华人民共和国消费者权益保护法》",
        Desk::Dept(WATER) => "《城市供水条例》",
        Desk::Dept(POLICE) => "《中华人民共和国道路交通安全法》",
        Desk::Dept(_) => "区权责清单",
    }
}

/// Demands that put people at risk are registered as urgent.
pub fn is_urgent(text: &str) -> bool {
    [
        "安全隐患",
        "危险",
        "坍塌",
        "倒塌",
        "漏电",
        "火灾",
        "燃气泄漏",
        "触电",
        "溺水",
    ]
    .iter()
    .any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_refine_the_category() {
        assert_eq!(
            lead_for("城乡建设", "小区物业乱收停车费", false),
            Desk::Dept(HOUSING)
        );
        assert_eq!(
            lead_for("城乡建设", "人行道被摊贩占用", false),
            Desk::Dept(URBAN)
        );
        assert_eq!(
            lead_for("城乡建设", "人行道被摊贩占用", true),
            Desk::StreetOffice
        );
        assert_eq!(
            lead_for("交通运输", "路口红绿灯坏了", false),
            Desk::Dept(POLICE)
        );
        assert_eq!(
            lead_for("教育文体", "学校乱收费", false),
            Desk::Dept(EDUCATION)
        );
        for d in 0..12 {
            assert_ne!(partner(Desk::Dept(d)), Desk::Dept(d));
        }
    }
}
