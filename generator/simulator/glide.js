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
 */
var __pc = (function () {
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
    pc.throwOn = {};      // table -> message: any query on it throws (fault injection)
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
        ecc_agent: {user_name: null},
        sysauto_script: {run_as: 'sys_user'},
        sysauto: {run_as: 'sys_user'},
        incident: {caller_id: 'sys_user', assigned_to: 'sys_user', assignment_group: 'sys_user_group'}
    };

    function unsupported(name) {
        pc.unsupported.push(name);
        throw new Error('unsupported Glide API: ' + name);
    }

    function op(kind, table, detail) {
        seq++;
        var o = {seq: seq, op: kind, table: table};
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

    function rowsOf(table) {
        var classes = classesOf(table);
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

    pc.load = function (data, options) {
        // Records arrive with string values (the snapshot loader makes sure); they are used as they
        // are, not copied, so a 100,000-user snapshot loads in a fraction of a second.
        for (var table in data) {
            if (Object.prototype.hasOwnProperty.call(data, table)) {
                TABLES[table] = true;
                var rows = data[table];
                for (var i = 0; i < rows.length; i++) {
                    if (!rows[i].sys_class_name) {
                        rows[i].sys_class_name = table;
                    }
                }
                DB[table] = rows;
            }
        }
        var extra = options.tables || [];
        for (var t = 0; t < extra.length; t++) {
            TABLES[extra[t]] = true;
            DB[extra[t]] = DB[extra[t]] || [];
        }
        pc.now = options.now || pc.now;
        pc.throwOn = options.throwOn || {};
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

    pc.result = function () {
        return JSON.stringify({
            ops: pc.ops,
            changes: pc.changes,
            logs: pc.logs,
            events: pc.events,
            attachments: pc.attachments,
            unsupported: pc.unsupported
        });
    };

    pc.dump = function () {
        return JSON.stringify(DB);
    };

    // ------------------------------------------------------------------ conditions

    // Reads a field, walking references ("role.name": the role's sys_id, then that role's name).
    function fieldValue(table, rec, field) {
        var parts = field.split('.');
        var cur = rec;
        var curTable = table;
        for (var i = 0; i < parts.length - 1; i++) {
            var refs = REFS[curTable] || REFS[cur.sys_class_name] || {};
            var target = refs[parts[i]];
            if (!target) {
                unsupported('dot-walk ' + curTable + '.' + parts[i]);
            }
            cur = findById(target, cur[parts[i]] || '');
            curTable = target;
            if (!cur) {
                return null;
            }
        }
        var v = cur[parts[parts.length - 1]];
        return v === undefined || v === '' ? null : v;
    }

    function isNumber(s) {
        return /^-?\d+(\.\d+)?$/.test(s);
    }

    function compare(a, b) {
        if (isNumber(a) && isNumber(b)) {
            return parseFloat(a) - parseFloat(b);
        }
        return a < b ? -1 : (a > b ? 1 : 0);
    }

    function listOf(value) {
        if (value instanceof Array) {
            var out = [];
            for (var i = 0; i < value.length; i++) {
                out.push(str(value[i]));
            }
            return out;
        }
        return str(value).split(',');
    }

    // One condition term. Operator names follow the encoded-query operators.
    function matchTerm(table, rec, term) {
        var v = fieldValue(table, rec, term.field);
        var s = v === null ? '' : v;
        var want = term.value;
        switch (term.op) {
        case '=':
            // A boolean 'false' also matches an empty value: unset booleans read as false (inferred:
            // a boolean column with no value is shown and filtered as false on an instance).
            if (want === 'false' && s === '') {
                return true;
            }
            return s === want;
        case '!=':
            if (want === 'true' && s === '') {
                return true;
            }
            if (want === 'false' && s === '') {
                return false;
            }
            return s !== want;
        case '>':
            return s !== '' && compare(s, want) > 0;
        case '>=':
            return s !== '' && compare(s, want) >= 0;
        case '<':
            return s !== '' && compare(s, want) < 0;
        case '<=':
            return s !== '' && compare(s, want) <= 0;
        case 'IN':
            return Object.prototype.hasOwnProperty.call(term.set, s);
        case 'NOT IN':
            return !Object.prototype.hasOwnProperty.call(term.set, s);
        case 'STARTSWITH':
            return s.indexOf(want) === 0;
        case 'ENDSWITH':
            return want.length <= s.length && s.substring(s.length - want.length) === want;
        case 'CONTAINS':
        case 'LIKE':
            return s.indexOf(want) >= 0;
        case 'DOES NOT CONTAIN':
        case 'DOESNOTCONTAIN':
        case 'NOT LIKE':
            return s.indexOf(want) < 0;
        case 'ISEMPTY':
            return s === '';
        case 'ISNOTEMPTY':
            return s !== '';
        case 'ANYTHING':
            return true;
        default:
            return unsupported('query operator ' + term.op);
        }
    }

    var OPERATORS = ['=', '!=', '>', '>=', '<', '<=', 'IN', 'NOT IN', 'STARTSWITH', 'ENDSWITH', 'CONTAINS',
        'LIKE', 'DOES NOT CONTAIN', 'DOESNOTCONTAIN', 'NOT LIKE', 'ISEMPTY', 'ISNOTEMPTY', 'ANYTHING'];

    function term(field, oper, value) {
        if (OPERATORS.indexOf(oper) < 0) {
            unsupported('query operator ' + oper);
        }
        var t = {field: String(field), op: oper, value: str(value), raw: value instanceof Array ? value : str(value)};
        if (oper === 'IN' || oper === 'NOT IN') {
            t.set = {};
            var items = listOf(t.raw);
            for (var i = 0; i < items.length; i++) {
                t.set[items[i]] = true;
            }
        }
        return t;
    }

    // Encoded query: ^NQ separates OR'ed queries, ^ ANDs terms, ^OR ORs a term with the previous one.
    var ENCODED_TERM = /^([a-z0-9_.$]+?)(NOT IN|NOT LIKE|ISNOTEMPTY|ISEMPTY|STARTSWITH|ENDSWITH|DOESNOTCONTAIN|LIKE|IN|ANYTHING|!=|>=|<=|=|>|<)(.*)$/;

    function parseEncoded(gr, encoded) {
        var blocks = String(encoded).split('^NQ');
        for (var b = 0; b < blocks.length; b++) {
            if (b > 0) {
                gr._blocks.push([]);
            }
            var parts = blocks[b].split('^');
            var last = null;
            for (var i = 0; i < parts.length; i++) {
                var p = parts[i];
                var isOr = false;
                if (p === '' || p === 'EQ') {
                    continue;
                }
                if (p.indexOf('ORDERBYDESC') === 0) {
                    gr.orderByDesc(p.substring(11));
                    continue;
                }
                if (p.indexOf('ORDERBY') === 0) {
                    gr.orderBy(p.substring(7));
                    continue;
                }
                if (p.indexOf('OR') === 0 && last && ENCODED_TERM.test(p.substring(2))) {
                    isOr = true;
                    p = p.substring(2);
                }
                var m = ENCODED_TERM.exec(p);
                if (!m) {
                    unsupported('encoded query term ' + p);
                }
                var t = term(m[1], m[2], m[3]);
                if (isOr) {
                    last.push(t);
                } else {
                    last = [t];
                    gr._blocks[gr._blocks.length - 1].push(last);
                }
            }
        }
    }

    function encode(blocks) {
        var out = [];
        for (var b = 0; b < blocks.length; b++) {
            var ands = [];
            for (var i = 0; i < blocks[b].length; i++) {
                var ors = [];
                for (var j = 0; j < blocks[b][i].length; j++) {
                    var t = blocks[b][i][j];
                    ors.push(t.field + t.op + (t.raw instanceof Array ? t.raw.join(',') : t.raw));
                }
                ands.push(ors.join('^OR'));
            }
            out.push(ands.join('^'));
        }
        return out.join('^NQ');
    }

    function matches(table, rec, blocks) {
        for (var b = 0; b < blocks.length; b++) {
            var ok = true;
            for (var i = 0; i < blocks[b].length && ok; i++) {
                var any = false;
                for (var j = 0; j < blocks[b][i].length && !any; j++) {
                    any = matchTerm(table, rec, blocks[b][i][j]);
                }
                ok = any;
            }
            if (ok) {
                return true;
            }
        }
        return false;
    }

    function QueryCondition(group) {
        this._group = group;
    }
    QueryCondition.prototype.addOrCondition = function (field, oper, value) {
        if (arguments.length === 2) {
            value = oper;
            oper = '=';
        }
        this._group.push(term(field, oper, value));
        return this;
    };
    QueryCondition.prototype.addCondition = function () {
        unsupported('QueryCondition.addCondition');
    };

    // ------------------------------------------------------------------ GlideElement

    function GlideElement(gr, name, value) {
        this._gr = gr;
        this._name = name;
        this._value = value === undefined || value === '' ? null : value;
    }
    GlideElement.prototype.toString = function () {
        return this._value === null ? '' : this._value;
    };
    GlideElement.prototype.getValue = function () {
        return this._value;
    };
    GlideElement.prototype.setValue = function (v) {
        this._gr.setValue(this._name, v);
    };
    GlideElement.prototype.getDisplayValue = function () {
        return this.toString();
    };
    GlideElement.prototype.nil = function () {
        return this._value === null;
    };
    GlideElement.prototype.getName = function () {
        return this._name;
    };
    GlideElement.prototype.getRefRecord = function () {
        var refs = REFS[this._gr._table] || {};
        if (!refs[this._name]) {
            unsupported('getRefRecord on ' + this._gr._table + '.' + this._name);
        }
        var gr = new GlideRecord(refs[this._name]);
        gr.get(this.toString());
        return gr;
    };
    GlideElement.prototype.changes = function () {
        unsupported('GlideElement.changes');
    };

    // ------------------------------------------------------------------ GlideRecord

    var INTERNAL = /^_/;

    function GlideRecord(table) {
        this._table = String(table);
        this._blocks = [[]];
        this._order = [];
        this._limit = -1;
        this._rows = null;
        this._index = -1;
        this._current = null;
        this._pending = {};
        this._isNew = false;
        this._workflow = true;
    }

    GlideRecord.prototype._checkTable = function () {
        if (Object.prototype.hasOwnProperty.call(pc.throwOn, this._table)) {
            throw new Error(pc.throwOn[this._table]);
        }
    };

    GlideRecord.prototype.isValid = function () {
        return Object.prototype.hasOwnProperty.call(TABLES, this._table);
    };
    GlideRecord.prototype.getTableName = function () {
        return this._table;
    };
    GlideRecord.prototype.addQuery = function (field, oper, value) {
        if (arguments.length === 1) {
            parseEncoded(this, field);
            return new QueryCondition([]);
        }
        if (arguments.length === 2) {
            value = oper;
            oper = '=';
        }
        var group = [term(field, oper, value)];
        this._blocks[this._blocks.length - 1].push(group);
        return new QueryCondition(group);
    };
    GlideRecord.prototype.addEncodedQuery = function (encoded) {
        parseEncoded(this, encoded);
    };
    GlideRecord.prototype.addActiveQuery = function () {
        return this.addQuery('active', 'true');
    };
    GlideRecord.prototype.addNullQuery = function (field) {
        return this.addQuery(field, 'ISEMPTY', '');
    };
    GlideRecord.prototype.addNotNullQuery = function (field) {
        return this.addQuery(field, 'ISNOTEMPTY', '');
    };
    GlideRecord.prototype.getEncodedQuery = function () {
        return encode(this._blocks);
    };
    GlideRecord.prototype.setLimit = function (n) {
        this._limit = n;
    };
    GlideRecord.prototype.orderBy = function (field) {
        this._order.push([field, 1]);
    };
    GlideRecord.prototype.orderByDesc = function (field) {
        this._order.push([field, -1]);
    };
    GlideRecord.prototype.setWorkflow = function (on) {
        this._workflow = !!on;
    };
    GlideRecord.prototype.autoSysFields = function () {
        // Accepted: the simulator does not maintain sys_updated_on.
    };
    GlideRecord.prototype.setCategory = function () {
        // Accepted: a query-routing hint with no effect on results.
    };

    GlideRecord.prototype._select = function () {
        this._checkTable();
        var rows = rowsOf(this._table);
        var out = [];
        for (var i = 0; i < rows.length; i++) {
            if (matches(this._table, rows[i], this._blocks)) {
                out.push(rows[i]);
            }
        }
        var order = this._order;
        var table = this._table;
        if (order.length) {
            out.sort(function (a, b) {
                for (var k = 0; k < order.length; k++) {
                    var c = compare(str(fieldValue(table, a, order[k][0])), str(fieldValue(table, b, order[k][0])));
                    if (c !== 0) {
                        return c * order[k][1];
                    }
                }
                return 0;
            });
        }
        if (this._limit >= 0) {
            out = out.slice(0, this._limit);
        }
        return out;
    };

    GlideRecord.prototype.query = function () {
        if (arguments.length) {
            this.addQuery.apply(this, arguments);
        }
        this._rows = this._select();
        this._index = -1;
        this._current = null;
        op('query', this._table, {query: this.getEncodedQuery(), rows: this._rows.length});
    };

    GlideRecord.prototype._clearFields = function () {
        for (var k in this) {
            if (Object.prototype.hasOwnProperty.call(this, k) && !INTERNAL.test(k)) {
                delete this[k];
            }
        }
    };

    GlideRecord.prototype._expose = function () {
        var rec = this._current;
        var k;
        // Drop properties the new row does not have (and any assigned value); reuse the elements, as
        // ServiceNow does: a GlideElement follows its GlideRecord to the next row.
        for (k in this) {
            if (Object.prototype.hasOwnProperty.call(this, k) && !INTERNAL.test(k) &&
                    (!(this[k] instanceof GlideElement) || !Object.prototype.hasOwnProperty.call(rec, k))) {
                delete this[k];
            }
        }
        for (k in rec) {
            if (Object.prototype.hasOwnProperty.call(rec, k)) {
                var el = this[k];
                if (el instanceof GlideElement) {
                    el._value = rec[k] === undefined || rec[k] === '' ? null : rec[k];
                } else {
                    this[k] = new GlideElement(this, k, rec[k]);
                }
            }
        }
    };

    GlideRecord.prototype.next = function () {
        if (this._rows === null) {
            return false;
        }
        this._index++;
        if (this._index >= this._rows.length) {
            this._current = null;
            this._clearFields();
            return false;
        }
        this._current = this._rows[this._index];
        this._pending = {};
        this._isNew = false;
        this._expose();
        return true;
    };
    GlideRecord.prototype._next = GlideRecord.prototype.next;
    GlideRecord.prototype.hasNext = function () {
        return this._rows !== null && this._index + 1 < this._rows.length;
    };
    GlideRecord.prototype.getRowCount = function () {
        return this._rows === null ? 0 : this._rows.length;
    };
    GlideRecord.prototype.isValidRecord = function () {
        return this._current !== null;
    };
    GlideRecord.prototype.isNewRecord = function () {
        return this._isNew;
    };

    GlideRecord.prototype.get = function (field, value) {
        if (arguments.length === 1) {
            value = field;
            field = 'sys_id';
        }
        this._blocks = [[[term(field, '=', value)]]];
        this._limit = 1;
        this.query();
        return this.next();
    };

    // Field assignments made as properties (gr.active = false) are picked up here.
    GlideRecord.prototype._collect = function () {
        for (var k in this) {
            if (Object.prototype.hasOwnProperty.call(this, k) && !INTERNAL.test(k)) {
                var v = this[k];
                if (!(v instanceof GlideElement) && typeof v !== 'function') {
                    this._pending[k] = str(v);
                }
            }
        }
        return this._pending;
    };

    GlideRecord.prototype.getValue = function (field) {
        if (Object.prototype.hasOwnProperty.call(this._pending, field)) {
            return this._pending[field] === '' ? null : this._pending[field];
        }
        if (this._current === null) {
            return null;
        }
        return fieldValue(this._table, this._current, field);
    };
    GlideRecord.prototype.getDisplayValue = function (field) {
        if (arguments.length === 0) {
            return str(this.getValue('name') || this.getValue('number') || this.getValue('sys_id'));
        }
        return str(this.getValue(field));
    };
    GlideRecord.prototype.getUniqueValue = function () {
        return this.getValue('sys_id');
    };
    GlideRecord.prototype.setValue = function (field, value) {
        if (value instanceof GlideElement) {
            value = value._value;
        }
        this._pending[field] = str(typeof value === 'boolean' ? (value ? 'true' : 'false') : value);
        if (this[field] !== undefined && !(this[field] instanceof GlideElement)) {
            delete this[field];
        }
    };
    GlideRecord.prototype.initialize = function () {
        this._current = null;
        this._rows = null;
        this._pending = {};
        this._isNew = true;
        this._clearFields();
    };
    GlideRecord.prototype.newRecord = function () {
        this.initialize();
        this._pending.sys_id = newGuid();
    };
    GlideRecord.prototype.setNewGuidValue = function (id) {
        this._pending.sys_id = String(id);
    };

    function describe(rec) {
        return rec.name || rec.user_name || rec.number || rec.short_description || rec.heading || rec.subject || rec.file_name || rec.sys_id;
    }

    GlideRecord.prototype.insert = function () {
        this._checkTable();
        var pending = this._collect();
        var rec = {};
        for (var f in pending) {
            if (Object.prototype.hasOwnProperty.call(pending, f)) {
                rec[f] = pending[f];
            }
        }
        rec.sys_id = rec.sys_id || newGuid();
        rec.sys_class_name = this._table;
        DB[this._table] = DB[this._table] || [];
        DB[this._table].push(rec);
        IDX = {};
        var fields = {};
        for (f in pending) {
            if (Object.prototype.hasOwnProperty.call(pending, f) && f !== 'sys_id') {
                fields[f] = [null, pending[f]];
            }
        }
        op('insert', this._table, {sys_id: rec.sys_id, rows: 1});
        pc.changes.push({seq: seq, op: 'insert', table: this._table, sys_id: rec.sys_id, name: describe(rec), fields: fields});
        this._current = rec;
        this._pending = {};
        this._isNew = false;
        this._expose();
        return rec.sys_id;
    };

    function applyTo(table, rec, pending) {
        var fields = {};
        var changed = false;
        for (var f in pending) {
            if (Object.prototype.hasOwnProperty.call(pending, f) && f !== 'sys_id') {
                var old = rec[f] === undefined ? '' : rec[f];
                if (old !== pending[f]) {
                    fields[f] = [old, pending[f]];
                    rec[f] = pending[f];
                    changed = true;
                }
            }
        }
        if (changed) {
            pc.changes.push({seq: seq, op: 'update', table: rec.sys_class_name || table, sys_id: rec.sys_id, name: describe(rec), fields: fields});
        }
        return changed;
    }

    GlideRecord.prototype.update = function () {
        this._checkTable();
        if (this._current === null) {
            return this.insert();
        }
        var pending = this._collect();
        var o = op('update', this._table, {sys_id: this._current.sys_id, rows: 1});
        o.changed = applyTo(this._table, this._current, pending);
        this._pending = {};
        this._expose();
        return this._current.sys_id;
    };

    // updateMultiple() applies the values given with setValue() to every record the query matches.
    // ServiceNow's documentation (GlideRecord - Global, updateMultiple()) warns that a field set by
    // direct assignment (gr.state = 4) followed by updateMultiple() updates every record in the
    // table; the emulation refuses that pattern instead of imitating it.
    GlideRecord.prototype.updateMultiple = function () {
        this._checkTable();
        for (var k in this) {
            if (Object.prototype.hasOwnProperty.call(this, k) && !INTERNAL.test(k) &&
                    !(this[k] instanceof GlideElement) && typeof this[k] !== 'function') {
                unsupported('updateMultiple after a direct field assignment (' + k + '): ServiceNow would ' +
                    'update every record in the table; use setValue()');
            }
        }
        var pending = this._pending;
        var rows = this._select();
        var o = op('updateMultiple', this._table, {query: this.getEncodedQuery(), rows: rows.length});
        var n = 0;
        for (var i = 0; i < rows.length; i++) {
            if (applyTo(this._table, rows[i], pending)) {
                n++;
            }
        }
        o.changed = n;
        this._pending = {};
    };

    function removeRow(rec) {
        IDX = {};
        var rows = DB[rec.sys_class_name] || [];
        for (var i = 0; i < rows.length; i++) {
            if (rows[i] === rec) {
                rows.splice(i, 1);
                return;
            }
        }
    }

    GlideRecord.prototype.deleteRecord = function () {
        this._checkTable();
        if (this._current === null) {
            return false;
        }
        op('delete', this._table, {sys_id: this._current.sys_id, rows: 1});
        pc.changes.push({seq: seq, op: 'delete', table: this._current.sys_class_name, sys_id: this._current.sys_id, name: describe(this._current), fields: {}});
        removeRow(this._current);
        return true;
    };
    GlideRecord.prototype.deleteMultiple = function () {
        this._checkTable();
        var rows = this._select();
        op('deleteMultiple', this._table, {query: this.getEncodedQuery(), rows: rows.length});
        for (var i = 0; i < rows.length; i++) {
            pc.changes.push({seq: seq, op: 'delete', table: rows[i].sys_class_name, sys_id: rows[i].sys_id, name: describe(rows[i]), fields: {}});
            removeRow(rows[i]);
        }
    };

    // Real GlideRecord methods this emulation does not model: calling one is reported, not ignored.
    var NOT_EMULATED = ['addJoinQuery', 'addDomainQuery', 'chooseWindow', 'applyTemplate', 'applyEncodedQuery',
        'getLastErrorMessage', 'setAbortAction', 'getAttribute', 'getED', 'getElement', 'getElements',
        'getClassDisplayValue', 'getRecordClassName', 'operation', 'canCreate', 'canRead', 'canWrite',
        'canDelete', 'getLink', 'setForceUpdate', 'setDisplayValue', 'insertWithReferences',
        'updateWithReferences', 'setQueryReferences', 'getLabel', 'isActionAborted', 'setUseEngines'];
    function notEmulated(name) {
        return function () {
            unsupported(name);
        };
    }
    for (var n = 0; n < NOT_EMULATED.length; n++) {
        GlideRecord.prototype[NOT_EMULATED[n]] = notEmulated('GlideRecord.' + NOT_EMULATED[n]);
    }

    // ------------------------------------------------------------------ GlideAggregate

    function GlideAggregate(table) {
        GlideRecord.call(this, table);
        this._aggregates = [];
        this._groupBy = [];
    }
    GlideAggregate.prototype = new GlideRecord('sys_metadata');
    GlideAggregate.prototype.constructor = GlideAggregate;
    GlideAggregate.prototype.addAggregate = function (kind, field) {
        if (String(kind).toUpperCase() !== 'COUNT') {
            unsupported('GlideAggregate aggregate ' + kind);
        }
        this._aggregates.push('COUNT' + (field ? ':' + field : ''));
    };
    GlideAggregate.prototype.groupBy = function (field) {
        this._groupBy.push(field);
    };
    GlideAggregate.prototype.query = function () {
        var rows = this._select();
        var groups = [];
        var index = {};
        for (var i = 0; i < rows.length; i++) {
            var key = [];
            for (var g = 0; g < this._groupBy.length; g++) {
                key.push(str(fieldValue(this._table, rows[i], this._groupBy[g])));
            }
            var k = key.join('\u0000');
            if (!Object.prototype.hasOwnProperty.call(index, k)) {
                index[k] = groups.length;
                var rec = {count: 0};
                for (g = 0; g < this._groupBy.length; g++) {
                    rec[this._groupBy[g]] = key[g];
                }
                groups.push(rec);
            }
            groups[index[k]].count++;
        }
        if (!this._groupBy.length && !groups.length) {
            groups.push({count: 0});
        }
        this._rows = groups;
        this._index = -1;
        op('aggregate', this._table, {query: this.getEncodedQuery(), rows: rows.length});
    };
    GlideAggregate.prototype.next = function () {
        this._index++;
        this._current = this._index < this._rows.length ? this._rows[this._index] : null;
        return this._current !== null;
    };
    GlideAggregate.prototype.getAggregate = function (kind) {
        if (String(kind).toUpperCase() !== 'COUNT') {
            unsupported('GlideAggregate aggregate ' + kind);
        }
        return this._current ? String(this._current.count) : null;
    };
    GlideAggregate.prototype.getValue = function (field) {
        if (!this._current) {
            return null;
        }
        var v = this._current[field];
        return v === undefined || v === '' ? null : v;
    };
    var AGG_READ_ONLY = ['insert', 'update', 'updateMultiple', 'deleteRecord', 'deleteMultiple'];
    for (n = 0; n < AGG_READ_ONLY.length; n++) {
        GlideAggregate.prototype[AGG_READ_ONLY[n]] = notEmulated('GlideAggregate.' + AGG_READ_ONLY[n]);
    }

    // ------------------------------------------------------------------ GlideDateTime

    function pad2(x) {
        return (x < 10 ? '0' : '') + x;
    }
    function parseTime(s) {
        var m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
        if (!m) {
            unsupported('GlideDateTime value ' + s);
        }
        return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    }
    function formatTime(ms) {
        var d = new Date(ms);
        return d.getUTCFullYear() + '-' + pad2(d.getUTCMonth() + 1) + '-' + pad2(d.getUTCDate()) + ' ' +
            pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ':' + pad2(d.getUTCSeconds());
    }
    function GlideDateTime(value) {
        this._ms = parseTime(value === undefined ? pc.now : String(value));
    }
    GlideDateTime.prototype.getValue = function () {
        return formatTime(this._ms);
    };
    GlideDateTime.prototype.getDisplayValue = GlideDateTime.prototype.getValue;
    GlideDateTime.prototype.toString = GlideDateTime.prototype.getValue;
    GlideDateTime.prototype.setValue = function (v) {
        this._ms = parseTime(String(v));
    };
    GlideDateTime.prototype.getNumericValue = function () {
        return this._ms;
    };
    GlideDateTime.prototype.addSeconds = function (s) {
        this._ms += s * 1000;
    };
    GlideDateTime.prototype.addDaysUTC = function (d) {
        this._ms += d * 86400000;
    };
    GlideDateTime.prototype.compareTo = function (other) {
        return this._ms < other._ms ? -1 : (this._ms > other._ms ? 1 : 0);
    };
    GlideDateTime.prototype.before = function (other) {
        return this._ms < other._ms;
    };
    GlideDateTime.prototype.after = function (other) {
        return this._ms > other._ms;
    };

    // ------------------------------------------------------------------ GlideSystem (gs)

    function logLine(level, args) {
        var msg = str(args[0]);
        pc.logs.push({seq: ++seq, level: level, message: msg, source: args.length > 1 ? str(args[1]) : '*** Script'});
    }

    var gs = {
        getProperty: function (name, alt) {
            var rows = DB.sys_properties || [];
            for (var i = 0; i < rows.length; i++) {
                if (rows[i].name === name) {
                    return rows[i].value === undefined ? '' : rows[i].value;
                }
            }
            return alt === undefined ? null : alt;
        },
        setProperty: function (name, value) {
            var gr = new GlideRecord('sys_properties');
            gr.addQuery('name', name);
            gr.query();
            if (gr.next()) {
                gr.setValue('value', value);
                gr.update();
            } else {
                gr.initialize();
                gr.setValue('name', name);
                gr.setValue('value', value);
                gr.insert();
            }
        },
        // gs.log(message, source) and gs.logError/logWarning(message, source): global-scope logging
        // with a source column; gs.info/warn/error take substitution parameters instead.
        log: function () {
            logLine('info', arguments);
        },
        logWarning: function () {
            logLine('warn', arguments);
        },
        logError: function () {
            logLine('error', arguments);
        },
        print: function (m) {
            logLine('info', [m]);
        },
        info: function (m) {
            logLine('info', [m]);
        },
        warn: function (m) {
            logLine('warn', [m]);
        },
        error: function (m) {
            logLine('error', [m]);
        },
        debug: function (m) {
            logLine('debug', [m]);
        },
        getUserID: function () {
            return pc.userId;
        },
        getUserName: function () {
            return pc.userName;
        },
        // gs.hasRole checks the current session's user only.
        hasRole: function (role) {
            var gr = new GlideRecord('sys_user_has_role');
            gr.addQuery('user', pc.userId);
            gr.query();
            while (gr.next()) {
                var r = fieldValue('sys_user_has_role', gr._current, 'role.name');
                if (r === 'admin' || r === role) {
                    return true;
                }
            }
            return false;
        },
        nowDateTime: function () {
            return pc.now;
        },
        eventQueue: function (name, gr, p1, p2) {
            pc.events.push({seq: ++seq, name: String(name), table: gr ? gr._table : '',
                sys_id: gr && gr._current ? gr._current.sys_id : '', parm1: str(p1), parm2: str(p2)});
        },
        tableExists: function (table) {
            return Object.prototype.hasOwnProperty.call(TABLES, table);
        },
        nil: function (v) {
            return v === null || v === undefined || str(v) === '';
        }
    };
    var GS_NOT_EMULATED = ['getSession', 'getUser', 'executeNow', 'sleep', 'addInfoMessage', 'addErrorMessage',
        'getMessage', 'include', 'generateGUID', 'urlEncode', 'base64Encode', 'eventQueueScheduled', 'setRedirect'];
    for (n = 0; n < GS_NOT_EMULATED.length; n++) {
        gs[GS_NOT_EMULATED[n]] = notEmulated('gs.' + GS_NOT_EMULATED[n]);
    }
    gs.generateGUID = function () {
        return newGuid();
    };

    // ------------------------------------------------------------------ GlideSysAttachment

    function GlideSysAttachment() {
    }
    GlideSysAttachment.prototype.write = function (gr, fileName, contentType, content) {
        var att = new GlideRecord('sys_attachment');
        att.initialize();
        att.setValue('table_name', gr._table);
        att.setValue('table_sys_id', gr.getUniqueValue());
        att.setValue('file_name', fileName);
        att.setValue('content_type', contentType);
        att.setValue('size_bytes', String(String(content).length));
        var id = att.insert();
        pc.attachments.push({seq: seq, sys_id: id, table: gr._table, table_sys_id: gr.getUniqueValue(),
            file_name: String(fileName), content: String(content)});
        return id;
    };
    GlideSysAttachment.prototype.getContent = function () {
        unsupported('GlideSysAttachment.getContent');
    };

    pc.notEmulated = notEmulated;
    pc.api = {
        GlideRecord: GlideRecord,
        GlideAggregate: GlideAggregate,
        GlideDateTime: GlideDateTime,
        GlideSysAttachment: GlideSysAttachment,
        gs: gs
    };
    return pc;
})();

var GlideRecord = __pc.api.GlideRecord;
var GlideAggregate = __pc.api.GlideAggregate;
var GlideDateTime = __pc.api.GlideDateTime;
var GlideSysAttachment = __pc.api.GlideSysAttachment;
var gs = __pc.api.gs;
// Server APIs a script might reach for that the emulation does not model.
var GlideRecordSecure = __pc.notEmulated('GlideRecordSecure');
var GlideQuery = __pc.notEmulated('GlideQuery');
var GlideElement = __pc.notEmulated('GlideElement constructor');
var GlideDate = __pc.notEmulated('GlideDate');
var GlideSchedule = __pc.notEmulated('GlideSchedule');
var GlideHTTPRequest = __pc.notEmulated('GlideHTTPRequest');
var sn_ws = {
    RESTMessageV2: __pc.notEmulated('sn_ws.RESTMessageV2')
};
