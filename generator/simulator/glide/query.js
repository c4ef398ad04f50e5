// Conditions: addQuery terms, encoded queries and the operators they use.

var WALKS = {};  // "role.name" -> ["role", "name"]

// Reads a field, walking references ("role.name": the role's sys_id, then that role's name): the
// stored value, or with `read` what getValue() returns for it (booleans as "1"/"0"). `noted`: the
// caller journalled the read of a field without a walk already (a query, once for all its rows).
function fieldValue(table, rec, field, read, noted) {
    var v;
    if (field.indexOf('.') < 0) {  // the common case, without a walk
        if (!noted) {
            noteRead(table, field);
        }
        v = rec[field];
        if (read) {
            return readValue(rec.sys_class_name || table, field, v);
        }
        return v === undefined || v === '' ? null : v;
    }
    var parts = Object.prototype.hasOwnProperty.call(WALKS, field) ? WALKS[field] : (WALKS[field] = field.split('.'));
    var cur = rec;
    var curTable = table;
    for (var i = 0; i < parts.length - 1; i++) {
        noteRead(curTable, parts[i]);
        var refs = refsOf(cur.sys_class_name || curTable);
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
    var last = parts[parts.length - 1];
    noteRead(curTable, last);
    v = cur[last];
    if (read) {
        return readValue(cur.sys_class_name || curTable, last, v);
    }
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

// One condition term. Operator names follow the encoded-query operators. Text compares without
// regard to case, as the instance's database does (judgement: docs/platform-semantics.md, rule 8).
function matchTerm(table, rec, term) {
    var v;
    if (term.walk) {
        v = fieldValue(table, rec, term.field, false, true);
    } else {  // fieldValue's common case, inline: a query calls this for every row
        v = rec[term.field];
        if (v === undefined || v === '') {
            v = null;
        }
    }
    var s = v === null ? '' : v.toLowerCase();
    var want = term.lower;
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

function term(field, oper, value, table) {
    if (OPERATORS.indexOf(oper) < 0) {
        unsupported('query operator ' + oper);
    }
    var t = {field: String(field), op: oper, value: str(value), raw: value instanceof Array ? value : str(value)};
    if (table && t.field.indexOf('.') < 0 && isBoolean(table, t.field) && !(value instanceof Array)) {
        // true, 'true', 1 and '1' all query a boolean's stored 'true' (and likewise for false).
        t.value = t.raw = storedBoolean(t.value);
    }
    t.lower = t.value.toLowerCase();
    t.walk = t.field.indexOf('.') >= 0;
    if (oper === 'IN' || oper === 'NOT IN') {
        t.set = {};
        var items = listOf(t.raw);
        for (var i = 0; i < items.length; i++) {
            t.set[items[i].toLowerCase()] = true;
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
            var t = term(m[1], m[2], m[3], gr._table);
            if (isOr) {
                last.push(t);
            } else {
                last = [t];
                gr._blocks[gr._blocks.length - 1].push(last);
            }
        }
    }
}

// A term as an encoded query writes it: field, operator, value.
function termText(t) {
    return t.field + t.op + (t.raw instanceof Array ? t.raw.join(',') : t.raw);
}

function encode(blocks) {
    var out = [];
    for (var b = 0; b < blocks.length; b++) {
        var ands = [];
        for (var i = 0; i < blocks[b].length; i++) {
            var ors = [];
            for (var j = 0; j < blocks[b][i].length; j++) {
                var t = blocks[b][i][j];
                ors.push(termText(t));
            }
            ands.push(ors.join('^OR'));
        }
        out.push(ands.join('^'));
    }
    return out.join('^NQ');
}

// Whether a term's field exists: each part of a dot-walk on the table it reaches.
function termFieldExists(table, field) {
    var parts = field.split('.');
    var cur = table;
    for (var i = 0; i < parts.length; i++) {
        if (!fieldExists(cur, parts[i])) {
            return false;
        }
        if (i < parts.length - 1) {
            var target = refsOf(cur)[parts[i]];
            if (!target) {
                return true;  // fieldValue() reports a dot-walk it cannot follow as unsupported
            }
            cur = target;
        }
    }
    return true;
}

// An invalid query term (a field the table does not have) is not an error on an instance: "the
// invalid part of the query condition is dropped, and the results are based on the valid part of
// the query, which may return all records from the table" (c_GlideRecordAPI.md). With
// glide.invalid_query.returns_no_rows = true, or gs.getSession().setStrictQuery(true), such a query
// returns no rows instead (r_AvailableSystemProperties.md). Either way the simulator warns, and a
// warning fails the run. Returns the blocks to match, or null for "no rows".
function validBlocks(table, blocks) {
    var out = [];
    var dropped = [];
    for (var b = 0; b < blocks.length; b++) {
        var ands = [];
        for (var i = 0; i < blocks[b].length; i++) {
            var ors = [];
            for (var j = 0; j < blocks[b][i].length; j++) {
                var t = blocks[b][i][j];
                if (termFieldExists(table, t.field)) {
                    ors.push(t);
                } else {
                    dropped.push(termText(t));
                }
            }
            if (ors.length) {
                ands.push(ors);
            }
        }
        out.push(ands);
    }
    if (!dropped.length) {
        return blocks;
    }
    var strict = strictQuery();
    warn(table + ': invalid query term' + (dropped.length > 1 ? 's ' : ' ') + dropped.join(', ') + ' (no such field): ' +
        (strict ? 'the query returns no rows (strict query)' : 'dropped, so the query widens to ' +
            (encode(out) || 'every record of the table')));
    return strict ? null : out;
}

// A query reads its terms' fields once, not once per row (fieldValue notes each hop of a walk itself).
function noteTerms(table, blocks) {
    for (var b = 0; b < blocks.length; b++) {
        for (var i = 0; i < blocks[b].length; i++) {
            for (var j = 0; j < blocks[b][i].length; j++) {
                if (blocks[b][i][j].field.indexOf('.') < 0) {
                    noteRead(table, blocks[b][i][j].field);
                }
            }
        }
    }
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
