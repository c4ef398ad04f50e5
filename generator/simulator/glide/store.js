/*
 * postclone's Glide emulation: a small, strict model of the ServiceNow server-side API that
 * post-clone scripts use, in plain ES5 so it runs on V8 (mini-racer) and on Rhino alike.
 *
 * Semantics follow ServiceNow's documentation (ServiceNow/ServiceNowDocs, "GlideRecord - Global",
 * "GlideAggregate - Global", "GlideSystem - Global", "Operators available for filters and queries").
 * Values are strings, as on an instance: booleans are 'true'/'false', getValue() returns null for an
 * empty field (GlideRecord - Global, getValue()), gs.getProperty() returns the alternate value or
 * null for a missing property (GlideSystem, getProperty()), getAggregate() returns a string
 * (GlideAggregate, getAggregate()), gs.hasRole() is about the current session's user only.
 * A query on a parent table returns rows of its child tables (table extension). Where the
 * documentation is silent the choice is marked "inferred" below. Anything not emulated throws
 * "unsupported Glide API: <name>", never a silent no-op.
 *
 * Everything the script does is recorded in __pc: database operations (queries, updates, inserts,
 * deletes, with a sequence number), field changes, log lines, events and attachments.
 *
 * The emulation is split by what it models into the files of this folder; the simulator
 * (generator/simulator/run.py, GLIDE_PARTS) concatenates them in a fixed order inside one function
 * scope, whose result is __pc, and then runs globals.js. This file comes first.
 */
// The store and its journal: tables and rows, the table hierarchy, and the record of every
// operation, change and unsupported call the script makes (read back by generator/simulator/).

var pc = {};
var DB = {};          // class (table) -> array of records {field: string}
var TABLES = {};      // table -> true when it exists on the simulated instance
var seq = 0;
pc.ops = [];
pc.changes = [];
pc.logs = [];
pc.events = [];
pc.attachments = [];
pc.unsupported = [];
pc.warnings = [];     // what a real instance would do silently but a reviewer must see; fails the run
pc.strict = null;     // gs.getSession().setStrictQuery(), once a script calls it
pc.throwOn = {};      // table -> message: any query on it throws (fault injection)
pc.staleSchedules = false;  // fault injection: a job saved inactive keeps its schedule row
pc.refuseUpdates = [];  // fault injection: tables whose update() saves nothing and returns null
pc.now = '2026-01-01 00:00:00';
pc.userId = '';
pc.userName = '';
var guidCounter = 0;

// Table hierarchy: a query on a parent returns rows of its child classes too.
// Scheduled jobs: the Scheduled Jobs module lists sysauto and its extensions.
var CHILDREN = {
    sysauto: ['sysauto_script', 'sysauto_report', 'sysauto_template', 'scheduled_import_set', 'sysauto_pa',
        'scheduled_data_import', 'sysauto_query']
};
// Reference fields the emulation can dot-walk through: table -> field -> referenced table.
var REFS = {
    sys_user_has_role: {user: 'sys_user', role: 'sys_user_role', granted_by: 'sys_user_group'},
    sys_user_grmember: {user: 'sys_user', group: 'sys_user_group'},
    sys_user: {manager: 'sys_user', department: 'cmn_department', company: 'core_company', location: 'cmn_location'},
    sys_user_group: {manager: 'sys_user', parent: 'sys_user_group'},
    ecc_agent_issue: {mid_server: 'ecc_agent'},
    sys_ux_m2m_banner_announcement: {announcement: 'sys_ux_banner_announcement',
        announcement_config: 'sys_ux_banner_announcement_config'},
    ecc_agent: {user_name: null},
    // Scheduled jobs are application files: "Each application consists of components such as tables,
    // user roles, and scheduled jobs" (platform-administration/find-components.md), each with its
    // Package (sys_package) and application (sys_scope).
    sysauto: {run_as: 'sys_user', sys_package: 'sys_package', sys_scope: 'sys_scope'},
    // "scheduled_import_set (extends sysauto) with data_source -> sys_data_source" (LDAP import chain,
    // ../shared/reference/servicenow-facts.md: ldap-integration/t_CreateADataSource.md).
    scheduled_import_set: {data_source: 'sys_data_source'},
    // OAuth tokens "are stored in oauth_credential table" (platform-security/authentication/
    // t_ManageTokens.md), each for a user (judgement: the field name `user`).
    oauth_credential: {user: 'sys_user'},
    incident: {caller_id: 'sys_user', assigned_to: 'sys_user', assignment_group: 'sys_user_group'}
};

// The reference fields of `table`: its own and those it inherits from its parents.
var REFS_OF = {};

function refsOf(table) {
    if (Object.prototype.hasOwnProperty.call(REFS_OF, table)) {
        return REFS_OF[table];
    }
    var out = {};
    var tables = [table].concat(parentsOf(table));
    for (var t = tables.length - 1; t >= 0; t--) {
        var refs = REFS[tables[t]] || {};
        for (var f in refs) {
            if (Object.prototype.hasOwnProperty.call(refs, f)) {
                out[f] = refs[f];
            }
        }
    }
    REFS_OF[table] = out;
    return out;
}

function warn(message) {
    seq++;
    pc.warnings.push({seq: seq, message: message});
}

// Strict query: the session's choice, else glide.invalid_query.returns_no_rows (default false).
function strictQuery() {
    if (pc.strict !== null) {
        return pc.strict;
    }
    return propertyValue('glide.invalid_query.returns_no_rows') === 'true';
}

function propertyValue(name) {
    var rows = DB.sys_properties || [];
    for (var i = 0; i < rows.length; i++) {
        if (rows[i].name === name) {
            return rows[i].value === undefined ? '' : rows[i].value;
        }
    }
    return null;
}

function unsupported(name) {
    pc.unsupported.push(name);
    throw new Error('unsupported Glide API: ' + name);
}

// A stand-in for a real API the emulation does not model: calling it is reported, never ignored.
function notEmulated(name) {
    return function () {
        unsupported(name);
    };
}

// What the script touched, table by table and field by field: `snapshot --from` reads exactly these
// tables from an instance (and of sys_user only these fields). Not a platform rule: a journal.
var READS = {};

function noteRead(table, field) {
    var t = Object.prototype.hasOwnProperty.call(READS, table) ? READS[table] : (READS[table] = {});
    if (field) {
        t[field] = true;
    }
}

function op(kind, table, detail) {
    noteRead(table);
    seq++;
    var o = {seq: seq, op: kind, table: table};
    if ((kind === 'query' || kind === 'aggregate') && !tablePresent(table)) {
        o.absent = true; // the snapshot has no such table: simulate warns that this step read an instance without it
    }
    for (var k in detail) {
        if (Object.prototype.hasOwnProperty.call(detail, k)) {
            o[k] = detail[k];
        }
    }
    pc.ops.push(o);
    return o;
}

function str(v) {
    if (v === null || v === undefined) {
        return '';
    }
    if (v instanceof GlideElement) {
        return v._value === null ? '' : v._value;
    }
    return String(v);
}

function newGuid() {
    guidCounter++;
    var h = guidCounter.toString(16);
    while (h.length < 24) {
        h = '0' + h;
    }
    return 'aaaaaaaa' + h;
}

function classesOf(table) {
    var out = [table];
    var kids = CHILDREN[table] || [];
    for (var i = 0; i < kids.length; i++) {
        out = out.concat(classesOf(kids[i]));
    }
    return out;
}

// Whether the snapshot holds the table (or, for a parent such as sysauto, one of its children).
function tablePresent(table) {
    noteRead(table);
    var classes = classesOf(table);
    for (var i = 0; i < classes.length; i++) {
        if (Object.prototype.hasOwnProperty.call(TABLES, classes[i])) {
            return true;
        }
    }
    return false;
}

// The rows of `table` and its child classes. Callers only read the array: a table without child
// classes gives its own array, not a copy.
function rowsOf(table) {
    var classes = classesOf(table);
    if (classes.length === 1) {
        return DB[table] || [];
    }
    var out = [];
    for (var i = 0; i < classes.length; i++) {
        var rows = DB[classes[i]] || [];
        for (var j = 0; j < rows.length; j++) {
            out.push(rows[j]);
        }
    }
    return out;
}

var IDX = {};  // table -> {sys_id: record}, built on first use, dropped on insert/delete

function findById(table, id) {
    if (!Object.prototype.hasOwnProperty.call(IDX, table)) {
        var rows = rowsOf(table);
        var map = {};
        for (var i = 0; i < rows.length; i++) {
            map[rows[i].sys_id] = rows[i];
        }
        IDX[table] = map;
    }
    return Object.prototype.hasOwnProperty.call(IDX[table], id) ? IDX[table][id] : null;
}

// Loading: the snapshot arrives table by table, in batches (pc.addRows), then pc.start(options).
// Records arrive with string values (the snapshot loader makes sure); they are used as they are, not
// copied, so a large snapshot loads in a fraction of the time a copy would take.
var LOADED = {};  // table -> records the snapshot held (reported back as `loaded`)

pc.addRows = function (table, rows) {
    TABLES[table] = true;
    LOADED[table] = (LOADED[table] || 0) + rows.length;
    for (var i = 0; i < rows.length; i++) {
        if (!rows[i].sys_class_name) {
            rows[i].sys_class_name = table;
        }
    }
    if (!Object.prototype.hasOwnProperty.call(DB, table) || !DB[table].length) {
        DB[table] = rows;
        return;
    }
    var into = DB[table];
    for (var j = 0; j < rows.length; j++) {
        into.push(rows[j]);
    }
};

pc.start = function (options) {
    var extra = options.tables || [];
    for (var t = 0; t < extra.length; t++) {
        TABLES[extra[t]] = true;
        DB[extra[t]] = DB[extra[t]] || [];
    }
    pc.now = options.now || pc.now;
    pc.throwOn = options.throwOn || {};
    pc.staleSchedules = !!options.staleSchedules;
    pc.refuseUpdates = options.refuseUpdates || [];
    setProperty('instance_name', options.instance);
    var user = null;
    var users = DB.sys_user || [];
    for (var u = 0; u < users.length; u++) {
        if (users[u].user_name === options.user) {
            user = users[u];
        }
    }
    pc.userId = user ? user.sys_id : '';
    pc.userName = user ? user.user_name : options.user;
    // Loading is not the script's doing: start the record from here.
    pc.ops = [];
    pc.changes = [];
    seq = 0;
};

function setProperty(name, value) {
    DB.sys_properties = DB.sys_properties || [];
    TABLES.sys_properties = true;
    var rows = DB.sys_properties;
    for (var i = 0; i < rows.length; i++) {
        if (rows[i].name === name) {
            rows[i].value = value;
            return;
        }
    }
    rows.push({sys_id: newGuid(), name: name, value: value, type: 'string', sys_class_name: 'sys_properties'});
}

var AFTERWARDS = null;  // what the result reports of the instance after the run, once the tables are let go

// The run is over and its final state is not wanted: read what the result reports of the tables, then
// let them go, so the engine can free them before the result is written out.
pc.release = function () {
    AFTERWARDS = {banners: bannerDisplay(), jobs: jobSchedules()};
    DB = {};
    IDX = {};
};

pc.result = function () {
    var after = AFTERWARDS || {banners: bannerDisplay(), jobs: jobSchedules()};
    return JSON.stringify({
        ops: pc.ops,
        changes: pc.changes,
        logs: pc.logs,
        events: pc.events,
        attachments: pc.attachments,
        unsupported: pc.unsupported,
        warnings: pc.warnings,
        banners: after.banners,
        jobs: after.jobs,
        reads: READS,
        children: CHILDREN,
        loaded: LOADED
    });
};

pc.dump = function () {
    return JSON.stringify(DB);
};
