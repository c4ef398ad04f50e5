// GlideAggregate: COUNT, optionally grouped.

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
