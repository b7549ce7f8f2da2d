//! What staff write along the way in the demo (notes, reasons, rulings, comments). The
//! citizens' words and the final replies come from the real messages.

/// Picks one of `options` by a number derived from the order.
pub fn pick(options: &'static [&'static str], n: u64) -> &'static str {
    options
        .get((n % options.len().max(1) as u64) as usize)
        .copied()
        .unwrap_or("")
}

pub const DISPATCH_NOTES: &[&str] = &[
    "请按时限办理，办结后及时答复诉求人。",
    "群众反映强烈，请尽快核实处理。",
    "请核实情况，依法依规处理。",
];

pub const NOTES: &[&str] = &[
    "已电话联系诉求人，了解具体情况。",
    "已安排工作人员到现场核查。",
    "已会同社区工作人员上门走访，正在协调处理。",
    "已约谈相关责任单位，要求限期整改。",
    "已调取相关资料，正在核实。",
];

pub const SUSPEND_REASONS: &[&str] = &[
    "诉求人外出务工，暂时无法联系，待其返回后现场核实。",
    "涉及司法程序，待法院判决后继续办理。",
    "需等待上级主管部门的政策答复。",
    "需委托第三方机构检测，待检测报告出具后继续办理。",
];

pub const RESUME_NOTES: &[&str] = &[
    "已与诉求人取得联系，恢复办理。",
    "检测报告已出具，继续办理。",
    "已收到上级部门答复，继续办理。",
];

pub const EXTENSION_REASONS: &[&str] = &[
    "涉及多个部门协调，需延长办理期限。",
    "需现场测量并组织专家论证，办理时间较长。",
    "涉及历史遗留问题，需调阅档案核实。",
];

pub const EXTENSION_COMMENTS: &[&str] = &["情况属实，同意延期。", "同意延期，请抓紧办理。"];

pub const REVIEW_APPROVALS: &[&str] = &["答复内容完整，同意办结。", "同意。"];

pub const REVIEW_REJECTION: &str = "答复未说明具体处理结果，请补充后重新答复。";

/// A first reply a leader sends back, or a citizen finds wanting.
pub const THIN_REPLIES: &[&str] = &[
    "已安排工作人员现场查看，正在处理中。",
    "您反映的问题已转相关单位处理。",
];

pub const CO_REPLIES: &[&str] = &[
    "已配合主办单位开展现场核查，相关情况已反馈主办单位。",
    "本单位职责范围内的事项已处理完毕，情况已告知主办单位。",
];

pub const RULINGS: &[&str] = &[
    "经审定，该事项属该单位法定职责，请依照权责清单办理，不得再次退回。",
    "经审定，该单位为主办单位，请牵头办理，相关单位配合。",
];

pub const NO_DETAIL: &str = "诉求人未提供具体地址和联系方式，无法核实，请补充后重新派单。";

pub const SATISFIED_COMMENTS: &[&str] = &[
    "问题已解决，感谢。",
    "处理及时，态度很好。",
    "已经处理了，满意。",
    "",
];

pub const FAIR_COMMENTS: &[&str] = &["基本解决，希望后续继续关注。", "处理得有点慢。"];

pub const UNSATISFIED_NOT_AT_FAULT: &[&str] = &[
    "对政策规定不满意，但理解答复。",
    "诉求超出政策范围，已做好解释。",
];

pub const UNSATISFIED_REOPEN: &str = "问题没有解决，现场还是老样子。";

pub const ARCHIVE_NOTES: &[&str] = &["", "", "回访满意，归档。"];

pub const CALLER_SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任",
];
