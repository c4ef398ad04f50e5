// GlideRecord, writing: insert, update, updateMultiple, delete; every change is journalled.

function describe(rec) {
    return rec.name || rec.function_name || rec.user_name || rec.number || rec.short_description || rec.heading || rec.subject || rec.file_name || rec.sys_id;
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

// The changes of one bulk write (updateMultiple, deleteMultiple) as one journal entry, row by row in
// arrays: a million-row update is one entry, not a million objects. The report
// (generator/simulator/report.py, Changes) reads it back as one change per row, as applyTo records them.
function Bulk(op, table, pending) {
    this.entry = {seq: seq, op: op, table: table, bulk: true, sys_id: [], name: [], class: [], after: {}, before: {}};
    this.keys = [];
    for (var f in pending) {
        if (Object.prototype.hasOwnProperty.call(pending, f) && f !== 'sys_id') {
            this.keys.push(f);
            this.entry.after[f] = pending[f];
            this.entry.before[f] = [];
        }
    }
}

Bulk.prototype.row = function (rec) {
    var e = this.entry;
    if (!e.sys_id.length) {
        pc.changes.push(e);  // journalled once it has a row
    }
    e.sys_id.push(rec.sys_id);
    e.name.push(describe(rec));
    e['class'].push(rec.sys_class_name || e.table);
};

// Apply the bulk write's values to `rec`; false (and nothing recorded) when no field changes.
Bulk.prototype.update = function (rec) {
    var keys = this.keys;
    var e = this.entry;
    var i;
    var changed = false;
    for (i = 0; i < keys.length && !changed; i++) {
        changed = (rec[keys[i]] === undefined ? '' : rec[keys[i]]) !== e.after[keys[i]];
    }
    if (!changed) {
        return false;
    }
    this.row(rec);
    for (i = 0; i < keys.length; i++) {
        var old = rec[keys[i]] === undefined ? '' : rec[keys[i]];
        e.before[keys[i]].push(old === e.after[keys[i]] ? null : old);  // null: this field did not change
        rec[keys[i]] = e.after[keys[i]];
    }
    return true;
};

GlideRecord.prototype.update = function () {
    this._checkTable();
    if (this._current === null) {
        return this.insert();
    }
    if (pc.refuseUpdates.indexOf(this._table) >= 0) {
        // "Returns null if the update fails" (c_GlideRecordAPI.md, update()): here, as when a business
        // rule aborts the save, nothing is written.
        this._pending = {};
        op('update', this._table, {sys_id: this._current.sys_id, rows: 0, refused: true});
        return null;
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
    var keys = ownFields(this);
    for (var i = 0; i < keys.length; i++) {
        var k = keys[i];
        if (!(this[k] instanceof GlideElement) && typeof this[k] !== 'function') {
            unsupported('updateMultiple after a direct field assignment (' + k + '): ServiceNow would ' +
                'update every record in the table; use setValue()');
        }
    }
    var pending = this._pending;
    var rows = this._select();
    var o = op('updateMultiple', this._table, {query: this.getEncodedQuery(), rows: rows.length});
    var n = 0;
    var bulk = new Bulk('update', this._table, pending);
    for (var i = 0; i < rows.length; i++) {
        if (bulk.update(rows[i])) {
            n++;
            if (this._workflow) {
                schedule(rows[i]);
            }
        }
    }
    o.changed = n;
    this._pending = {};
};

// Remove many rows in one pass over each table they are in (removing them one by one is quadratic).
// A row is marked for the pass, not looked up by sys_id, so another row with the same sys_id stays.
function removeRows(recs) {
    IDX = {};
    var classes = {};
    var i;
    for (i = 0; i < recs.length; i++) {
        recs[i].__removed = true;
        classes[recs[i].sys_class_name] = true;
    }
    for (var c in classes) {
        if (Object.prototype.hasOwnProperty.call(classes, c) && DB[c]) {
            var kept = [];
            for (var j = 0; j < DB[c].length; j++) {
                if (DB[c][j].__removed !== true) {
                    kept.push(DB[c][j]);
                }
            }
            DB[c] = kept;
        }
    }
    for (i = 0; i < recs.length; i++) {
        delete recs[i].__removed;
    }
}

GlideRecord.prototype.deleteRecord = function () {
    this._checkTable();
    if (this._current === null) {
        return false;
    }
    op('delete', this._table, {sys_id: this._current.sys_id, rows: 1});
    pc.changes.push({seq: seq, op: 'delete', table: this._current.sys_class_name, sys_id: this._current.sys_id, name: describe(this._current), fields: {}});
    removeRows([this._current]);
    return true;
};
GlideRecord.prototype.deleteMultiple = function () {
    this._checkTable();
    var rows = this._select();
    op('deleteMultiple', this._table, {query: this.getEncodedQuery(), rows: rows.length});
    var bulk = new Bulk('delete', this._table, {});
    for (var i = 0; i < rows.length; i++) {
        bulk.row(rows[i]);
    }
    removeRows(rows);
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
