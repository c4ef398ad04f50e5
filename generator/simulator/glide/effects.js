// What the instance does with the records afterwards, for the report: which banners display, and
// which scheduled jobs the scheduler will run.

// The scheduler runs a job only through its Schedule Item [sys_trigger] row, and "Schedule Item
// [sys_trigger] records are not created for data records imported from an XML file such as an
// update set. To run scheduled jobs or scripts imported from another instance, update the
// corresponding job or script record in the target instance" (time-configuration/
// r_SpecialCasesInJobSchedules.md). So: a loaded snapshot's sys_trigger rows are what it has; saving
// an active job through GlideRecord (insert, an update that changes a field or is forced) creates or
// refreshes its row, and saving it inactive removes the row. The row names its job by document and
// document_key (judgement: the fields the Schedule list shows for a job's trigger). A save with
// setWorkflow(false) runs no business rules and touches no row (judgement: the scheduler's row is
// kept by the save's business logic; setWorkflow "Enables or disables running business rules").
var JOB_CLASSES = null;

function isJob(rec) {
    JOB_CLASSES = JOB_CLASSES || classesOf('sysauto');
    return JOB_CLASSES.indexOf(rec.sys_class_name) >= 0;
}

function triggersOf(id) {
    var out = [];
    var rows = DB.sys_trigger || [];
    for (var i = 0; i < rows.length; i++) {
        if (rows[i].document_key === id) {
            out.push(rows[i]);
        }
    }
    return out;
}

function schedule(rec) {
    if (!isJob(rec)) {
        return;
    }
    DB.sys_trigger = DB.sys_trigger || [];
    TABLES.sys_trigger = true;
    var rows = triggersOf(rec.sys_id);
    if (rec.active === 'true') {
        if (!rows.length) {
            var t = {sys_id: newGuid(), name: rec.name || '', document: rec.sys_class_name, document_key: rec.sys_id,
                next_action: pc.now, state: '0', trigger_type: '0', sys_class_name: 'sys_trigger'};
            DB.sys_trigger.push(t);
            pc.changes.push({seq: seq, op: 'insert', table: 'sys_trigger', sys_id: t.sys_id, name: t.name,
                fields: {document_key: [null, rec.sys_id]}, by: 'scheduler'});
        }
        return;
    }
    if (pc.staleSchedules) {
        return;
    }
    for (var i = 0; i < rows.length; i++) {
        pc.changes.push({seq: seq, op: 'delete', table: 'sys_trigger', sys_id: rows[i].sys_id, name: rows[i].name || '',
            fields: {}, by: 'scheduler'});
        DB.sys_trigger.splice(DB.sys_trigger.indexOf(rows[i]), 1);
    }
    IDX = {};
}

// Every scheduled job afterwards: active, and whether the scheduler has its row.
function jobSchedules() {
    var keys = {};
    var triggers = DB.sys_trigger || [];
    for (var t = 0; t < triggers.length; t++) {
        keys[triggers[t].document_key] = true;
    }
    var out = [];
    var rows = rowsOf('sysauto');
    for (var i = 0; i < rows.length; i++) {
        out.push({table: rows[i].sys_class_name, sys_id: rows[i].sys_id, name: rows[i].name || '',
            active: rows[i].active === 'true', scheduled: Object.prototype.hasOwnProperty.call(keys, rows[i].sys_id)});
    }
    return out;
}

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
