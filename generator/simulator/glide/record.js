// GlideRecord, reading: building a query, running it, walking the rows, reading values.

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
    this._force = false;
}

GlideRecord.prototype._checkTable = function () {
    if (Object.prototype.hasOwnProperty.call(pc.throwOn, this._table)) {
        throw new Error(pc.throwOn[this._table]);
    }
};

// isValidField(): whether the table has this field (dictionary.js says how that is known).
GlideRecord.prototype.isValidField = function (field) {
    return this.isValid() && String(field).indexOf('.') < 0 && fieldExists(this._table, String(field));
};
// isValid(): the table exists here; a parent table (sysauto) exists when one of its children does.
GlideRecord.prototype.isValid = function () {
    return tablePresent(this._table);
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
    var group = [term(field, oper, value, this._table)];
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
GlideRecord.prototype.setForceUpdate = function (on) {
    this._force = !!on;
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
    var blocks = validBlocks(this._table, this._blocks);
    if (blocks === null) {
        return [];
    }
    var rows = rowsOf(this._table);
    var out = [];
    noteTerms(this._table, blocks);
    for (var i = 0; i < rows.length; i++) {
        if (matches(this._table, rows[i], blocks)) {
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
    var cap = viewCap(this._table);
    if (cap !== null && out.length > cap) {
        out = out.slice(0, cap);
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

// A GlideRecord's own properties that are not its internals (those start with "_"): its fields,
// and values a script assigned. Object.keys, not for-in, which would walk every method of the prototype.
function ownFields(gr) {
    var keys = Object.keys(gr);
    var out = [];
    for (var i = 0; i < keys.length; i++) {
        if (keys[i].charAt(0) !== '_') {
            out.push(keys[i]);
        }
    }
    return out;
}

GlideRecord.prototype._clearFields = function () {
    var keys = ownFields(this);
    for (var i = 0; i < keys.length; i++) {
        delete this[keys[i]];
    }
};

GlideRecord.prototype._expose = function () {
    var rec = this._current;
    var keys = ownFields(this);
    var k;
    var i;
    // Drop properties the new row does not have (and any assigned value); reuse the elements, as
    // ServiceNow does: a GlideElement follows its GlideRecord to the next row.
    for (i = 0; i < keys.length; i++) {
        k = keys[i];
        if (!(this[k] instanceof GlideElement) || !Object.prototype.hasOwnProperty.call(rec, k)) {
            delete this[k];
        }
    }
    keys = Object.keys(rec);
    for (i = 0; i < keys.length; i++) {
        k = keys[i];
        var el = this[k];
        var v = rec[k];
        if (el instanceof GlideElement) {
            el._value = v === undefined || v === '' ? null : v;
        } else {
            this[k] = new GlideElement(this, k, v);
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
    this._blocks = [[[term(field, '=', value, this._table)]]];
    this._limit = 1;
    this.query();
    return this.next();
};

// Field assignments made as properties (gr.active = false) are picked up here.
GlideRecord.prototype._collect = function () {
    var keys = ownFields(this);
    for (var i = 0; i < keys.length; i++) {
        var k = keys[i];
        var v = this[k];
        if (!(v instanceof GlideElement) && typeof v !== 'function') {
            noteRead(this._table, k);
            this._pending[k] = isBoolean(this._table, k) ? storedBoolean(str(v)) : str(v);
        }
    }
    return this._pending;
};

// getValue(): "Returns null if the field is empty or the field doesn't exist. Boolean values return
// as "0" and "1" string values instead of false and true" (c_GlideRecordAPI.md).
GlideRecord.prototype.getValue = function (field) {
    if (Object.prototype.hasOwnProperty.call(this._pending, field)) {
        return readValue(this._table, field, this._pending[field]);
    }
    if (this._current === null) {
        return null;
    }
    return fieldValue(this._table, this._current, field, true);
};
// getDisplayValue(field): the value as shown, booleans as "true"/"false".
GlideRecord.prototype.getDisplayValue = function (field) {
    if (arguments.length === 0) {
        return str(this.getValue('name') || this.getValue('number') || this.getValue('sys_id'));
    }
    if (Object.prototype.hasOwnProperty.call(this._pending, field)) {
        return this._pending[field];
    }
    return this._current === null ? '' : str(fieldValue(this._table, this._current, field));
};
GlideRecord.prototype.getUniqueValue = function () {
    return this.getValue('sys_id');
};
GlideRecord.prototype.setValue = function (field, value) {
    noteRead(this._table, field);
    if (value instanceof GlideElement) {
        value = value._value;
    }
    value = str(typeof value === 'boolean' ? (value ? 'true' : 'false') : value);
    this._pending[field] = isBoolean(this._table, field) ? storedBoolean(value) : value;
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
