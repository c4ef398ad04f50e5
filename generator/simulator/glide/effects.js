// What the instance does with the records afterwards, for the report: which banners display, and
// (with the scheduler) which jobs are scheduled.

// A Next Experience banner displays only when a Banner Announcement Mapping links it to an
// announcement config, "Unified Navigation" for the header (next-experience-banner-announcements.md,
// steps 5-9: "In the Associated to Configurations related list, select New ... Select Unified
// Navigation"), and while now is between its start and end ("Start: Date and time the banner
// announcement begins displaying in the UI").
function bannerDisplay() {
    var out = [];
    var banners = DB.sys_ux_banner_announcement || [];
    for (var i = 0; i < banners.length; i++) {
        var b = banners[i];
        var why = '';
        var mapped = false;
        var maps = DB.sys_ux_m2m_banner_announcement || [];
        for (var m = 0; m < maps.length && !mapped; m++) {
            if (maps[m].announcement === b.sys_id) {
                var config = findById('sys_ux_banner_announcement_config', maps[m].announcement_config || '');
                mapped = config !== null && config.name === 'Unified Navigation';
            }
        }
        if (!mapped) {
            why = 'not mapped to the announcement config "Unified Navigation"';
        } else if (!b.start || b.start > pc.now) {
            why = b.start ? 'starts at ' + b.start : 'has no start';
        } else if (b.end && b.end <= pc.now) {
            why = 'ended at ' + b.end;
        }
        out.push({sys_id: b.sys_id, heading: b.heading || '', displays: !why, why: why});
    }
    return out;
}
