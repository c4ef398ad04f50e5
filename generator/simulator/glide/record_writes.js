// GlideRecord, writing: insert, update, updateMultiple, delete; every change is journalled.

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
    if (this._workflow) {
        schedule(rec);
    }
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
    // A save runs the business rules (here: the scheduler) when a field changed or setForceUpdate(true)
    // asked for it ("Updates the record even if fields have not changed", c_GlideRecordAPI.md).
    if (this._workflow && (o.changed || this._force)) {
        schedule(this._current);
    }
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
            if (this._workflow) {
                schedule(rows[i]);
            }
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
    'canDelete', 'getLink', 'setDisplayValue', 'insertWithReferences',
    'updateWithReferences', 'setQueryReferences', 'getLabel', 'isActionAborted', 'setUseEngines'];
for (var n = 0; n < NOT_EMULATED.length; n++) {
    GlideRecord.prototype[NOT_EMULATED[n]] = notEmulated('GlideRecord.' + NOT_EMULATED[n]);
}
