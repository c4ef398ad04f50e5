// GlideElement: one field of the current row.

function GlideElement(gr, name, value) {
    this._gr = gr;
    this._name = name;
    this._value = value === undefined || value === '' ? null : value;
}
// A boolean element reads "true"/"false" as text (toString, getDisplayValue, concatenation) and
// "1"/"0" through getValue(), as GlideRecord.getValue() does (c_GlideRecordAPI.md).
GlideElement.prototype.toString = function () {
    noteRead(this._gr._table, this._name);
    return this._value === null ? '' : this._value;
};
GlideElement.prototype.getValue = function () {
    noteRead(this._gr._table, this._name);
    return readValue(this._gr._table, this._name, this._value);
};
GlideElement.prototype.setValue = function (v) {
    this._gr.setValue(this._name, v);
};
GlideElement.prototype.getDisplayValue = function () {
    return this.toString();
};
GlideElement.prototype.nil = function () {
    noteRead(this._gr._table, this._name);
    return this._value === null;
};
GlideElement.prototype.getName = function () {
    return this._name;
};
GlideElement.prototype.getRefRecord = function () {
    var refs = refsOf(this._gr._table);
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
