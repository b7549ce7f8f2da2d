export default {
  app: { name: 'Jiceng Grassroots Governance', console: 'Console', portal: 'Citizen demands', grid: 'Grid worker' },
  common: {
    search: 'Search', reset: 'Reset', submit: 'Submit', cancel: 'Cancel', confirm: 'OK', refresh: 'Refresh',
    more: 'Load more', none: 'Nothing here', loading: 'Loading…', back: 'Back', logout: 'Log out',
    language: '中文', saved: 'Saved', done: 'Done', open: 'Open', export: 'Export to Excel',
  },
  login: {
    title: 'Log in', username: 'Username', password: 'Password', submit: 'Log in',
    required: 'Enter your username and password', portal: 'Citizens: file or track a demand',
  },
  menu: {
    intake: 'Intake', dispatch: 'Dispatch', returned: 'Returns to rule on', inbox: 'My work', orders: 'Orders',
    board: 'Oversight board', extensions: 'Extensions', followUp: 'Call-backs', users: 'Users and roles',
    units: 'Organisation', duty: 'Duty lists', models: 'Classifier models', grid: 'Report an event',
  },
  inbox: {
    to_sign: 'To sign for', to_handle: 'In hand', to_review: 'To review', to_dispatch: 'To dispatch',
    returned: 'Returned', to_follow_up: 'To call back', extensions: 'Extensions', due_soon: 'Due soon',
    overdue: 'Overdue',
  },
  status: {
    registered: 'Registered', dispatched: 'Dispatched', returned: 'Returned', handling: 'Handling',
    suspended: 'Suspended', pending_review: 'Pending review', replied: 'Replied', visited: 'Called back',
    archived: 'Archived', merged: 'Merged',
  },
  channel: {
    hotline: '12345 hotline', web: 'Web', mobile: 'Mobile', grid_patrol: 'Grid patrol', open311: 'Open311', alert_task: 'Alert task', api: 'API',
  },
  level: { green: 'On time', yellow: 'Yellow warning', red: 'Overdue' },
  order: {
    number: 'Number', title: 'Title', content: 'Demand', category: 'Category', status: 'Status', region: 'Area',
    lead: 'Lead unit', deadline: 'Deadline', created: 'Registered', caller: 'Caller', phone: 'Phone',
    address: 'Address', urgency: 'Urgency', urgent: 'Urgent', normal: 'Normal', history: 'History',
    clocks: 'Time limits', duty: 'Duty basis', attachments: 'Attachments', actions: 'Actions', reply: 'Reply',
    channel: 'Channel', routing: 'Dispatch suggestions', masked: 'masked',
  },
}
