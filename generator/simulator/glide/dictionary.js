// The dictionary: which fields a table has, and which of them are booleans (docs/platform-semantics.md).
//
// Which fields exist (judgement: no export carries the dictionary): a table loaded with rows has the
// columns its list export shows, since "Export > XML" writes every column of every row, plus the
// system fields every table has; a parent table (sysauto) has the columns all its loaded child
// tables share. A table with no rows cannot be checked: every field counts as valid there (a query
// on it matches nothing anyway). A sys_dictionary export, when loaded, adds fields and types.

// Fields every table has (the sys_ fields of a record).
var SYS_FIELDS = ['sys_id', 'sys_class_name', 'sys_created_on', 'sys_created_by', 'sys_updated_on', 'sys_updated_by',
    'sys_mod_count', 'sys_tags', 'sys_domain', 'sys_domain_path'];

// Boolean (True/False) fields of the tables post-clone scripts touch: the check boxes of their forms
// ("Locked out: Select this check box ...", "Web service access only: Select this check box ...",
// employee-service-management/critical-event-management/new-member-form.md; "Active" on users,
// groups, LDAP servers, scheduled jobs and home page sections).
var BOOLEANS = {
    sys_user: ['active', 'locked_out', 'web_service_access_only', 'internal_integration_user',
        'password_needs_reset'],
    sys_user_group: ['active'],
    sys_user_has_role: ['inherited'],
    ldap_server_config: ['active', 'listener'],  // "Listener: Select this check box …" (t_DefineAnLDAPServer.md)
    sysauto: ['active', 'conditional'],
    sys_home: ['active'],
    clone_cleanup_script: ['active'],
    clone_profile_cleanup_scripts_list: ['active'],
    sys_ux_banner_announcement: ['non_dismissible', 'non_stackable'],
    sys_email_account: ['active']
};

var COLUMNS = {};  // table -> {field: true} or null when it cannot be known; built on first use

function parentsOf(table) {
    var out = [];
    for (var parent in CHILDREN) {
        if (Object.prototype.hasOwnProperty.call(CHILDREN, parent) && classesOf(parent).indexOf(table) > 0) {
            out.push(parent);
        }
    }
    return out;
}

function ownColumns(table) {
    var rows = DB[table] || [];
    if (!rows.length) {
        return null;
    }
    var cols = {};
    for (var i = 0; i < rows.length; i++) {
        var keys = Object.keys(rows[i]);
        for (var k = 0; k < keys.length; k++) {
            cols[keys[k]] = true;
        }
    }
    return cols;
}

function columnsOf(table) {
    if (Object.prototype.hasOwnProperty.call(COLUMNS, table)) {
        return COLUMNS[table];
    }
    var cols = ownColumns(table);
    var kids = CHILDREN[table] || [];
    if (!cols && kids.length) {
        // A parent's fields are the ones every loaded child shows.
        var shared = null;
        for (var i = 0; i < kids.length; i++) {
            var kid = columnsOf(kids[i]);
            if (kid) {
                if (shared === null) {
                    shared = {};
                    for (var f in kid) {
                        if (Object.prototype.hasOwnProperty.call(kid, f)) {
                            shared[f] = true;
                        }
                    }
                } else {
                    for (var g in shared) {
                        if (Object.prototype.hasOwnProperty.call(shared, g) && !kid[g]) {
                            delete shared[g];
                        }
                    }
                }
            }
        }
        cols = shared;
    }
    if (cols) {
        for (var s = 0; s < SYS_FIELDS.length; s++) {
            cols[SYS_FIELDS[s]] = true;
        }
        var dict = DB.sys_dictionary || [];
        for (var d = 0; d < dict.length; d++) {
            if (dict[d].name === table && dict[d].element) {
                cols[dict[d].element] = true;
            }
        }
    }
    COLUMNS[table] = cols;
    return cols;
}

// True when `field` (one name, no dot-walk) is a field of `table`, or when that cannot be known.
function fieldExists(table, field) {
    noteRead(table, field);
    var cols = columnsOf(table);
    return cols === null || Object.prototype.hasOwnProperty.call(cols, field);
}

var BOOLEAN_CACHE = {};

function isBoolean(table, field) {
    var known = Object.prototype.hasOwnProperty.call(BOOLEAN_CACHE, table) ? BOOLEAN_CACHE[table] :
        (BOOLEAN_CACHE[table] = {});
    if (!Object.prototype.hasOwnProperty.call(known, field)) {
        known[field] = findBoolean(table, field);
    }
    return known[field];
}

function findBoolean(table, field) {
    var tables = [table].concat(parentsOf(table));
    for (var i = 0; i < tables.length; i++) {
        if ((BOOLEANS[tables[i]] || []).indexOf(field) >= 0) {
            return true;
        }
    }
    var dict = DB.sys_dictionary || [];
    for (var d = 0; d < dict.length; d++) {
        if (dict[d].element === field && dict[d].internal_type === 'boolean' && tables.indexOf(dict[d].name) >= 0) {
            return true;
        }
    }
    return false;
}

// glide.db.max_view_records (default 10000) caps the rows a script's query returns, but "This property
// only applies when querying a database view table in a script" (c_SpecifyTheNumberOfRecordsToReturn.md).
// A table is a database view when a loaded sys_db_view export names it. Returns the cap, or null.
function viewCap(table) {
    var views = DB.sys_db_view || [];
    for (var i = 0; i < views.length; i++) {
        if (views[i].name === table) {
            var v = parseInt(propertyValue('glide.db.max_view_records'), 10);
            return isNaN(v) ? 10000 : v;
        }
    }
    return null;
}

// A boolean as the platform stores it ('true'/'false'), from any of the forms scripts pass.
function storedBoolean(v) {
    var s = String(v);
    if (s === 'true' || s === '1') {
        return 'true';
    }
    if (s === 'false' || s === '0') {
        return 'false';
    }
    return s;
}

// getValue() of a stored value: "Boolean values return as "0" and "1" string values instead of
// false and true" (c_GlideRecordAPI.md, getValue()); null when empty.
function readValue(table, field, stored) {
    if (stored === null || stored === undefined || stored === '') {
        return null;
    }
    if (isBoolean(table, field)) {
        return stored === 'true' ? '1' : (stored === 'false' ? '0' : stored);
    }
    return stored;
}
