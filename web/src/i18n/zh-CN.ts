export default {
  app: { name: '基层治理平台', console: '工作台', portal: '市民诉求', grid: '网格员' },
  common: {
    search: '查询', reset: '重置', submit: '提交', cancel: '取消', confirm: '确定', refresh: '刷新',
    more: '加载更多', none: '暂无数据', loading: '加载中…', back: '返回', logout: '退出登录',
    language: 'English', saved: '已保存', done: '操作成功', open: '打开', export: '导出 Excel',
  },
  login: {
    title: '登录', username: '用户名', password: '密码', submit: '登录', required: '请输入用户名和密码',
    portal: '市民服务入口（提交与查询诉求）',
  },
  menu: {
    intake: '诉求受理', dispatch: '派单', returned: '退单审定', inbox: '我的待办', orders: '工单查询',
    board: '督办台账', extensions: '延期审批', followUp: '回访', users: '用户与角色',
    units: '组织机构', duty: '权责清单', models: '分类模型', grid: '网格事件上报',
  },
  inbox: {
    to_sign: '待签收', to_handle: '办理中', to_review: '待审核', to_dispatch: '待派单', returned: '退单待审定',
    to_follow_up: '待回访', extensions: '延期待审批', due_soon: '即将超时', overdue: '已超时',
  },
  status: {
    registered: '已受理', dispatched: '已派单', returned: '已退单', handling: '办理中', suspended: '已挂起',
    pending_review: '待审核', replied: '已答复', visited: '已回访', archived: '已归档', merged: '已并案',
  },
  channel: {
    hotline: '12345热线', web: '网站', mobile: '手机', grid_patrol: '网格巡查', open311: 'Open311', alert_task: '预警任务', api: '接口',
  },
  level: { green: '正常', yellow: '黄灯预警', red: '红灯超时' },
  order: {
    number: '工单编号', title: '标题', content: '诉求内容', category: '分类', status: '状态', region: '属地',
    lead: '主办单位', deadline: '办理时限', created: '受理时间', caller: '来电人', phone: '电话',
    address: '地址', urgency: '紧急程度', urgent: '紧急', normal: '一般', history: '办理过程', clocks: '时限',
    duty: '权责依据', attachments: '附件', actions: '可办理操作', reply: '答复内容', channel: '渠道',
    routing: '智能派单建议', masked: '已打码',
  },
}
