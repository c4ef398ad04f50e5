// Loading a snapshot: records as JSON (pc.addRows), or an <unload> list export's XML text read here
// (pc.addXml, pc.endXml), so a large export never passes through Python records.
//
// exports.py sends an export here only when lxml checks it as well-formed (the check runs alongside;
// nothing read here is used before it passes) and it has no comment, CDATA section, processing
// instruction or DOCTYPE after the root's start tag. What is left to read is elements, attributes and
// text, which this reader takes as lxml does for exports.py's own reader (_xml_tables): each element
// under <unload> is a record of the table its name gives, skipped when action="DELETE" or when it is
// the update set's own sys_remote_update_set; each element under a record is a field whose value is
// its text; a field holding an element is an error (except a condition field's empty <item/> elements,
// which the condition builder writes after the encoded query: they are skipped), as is a record
// without a sys_id. Text follows
// XML's rules (XML 1.0, 2.11 end-of-line handling, 4.6 predefined entities, 4.1 character references,
// 3.3.3 attribute-value normalization).

// One step of the reader: either a field without attributes, its text, and the end tag right after it
// (the file being well-formed, that end tag is the field's own), or a tag
// (end tag: "/" first), its name, its attributes (quoted values may hold ">"), and the text after it.
var XML_TOKEN = /<([^\s\/>]+)>([^<]*)<\/[^>]*>|<(\/?)([^\s\/>]+)([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>([^<]*)/g;
var ACTION_ATTR = /(?:^|\s)action\s*=\s*(?:"([^"]*)"|'([^']*)')/;
var ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
var PREDEFINED = {lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"};

function fromCodePoint(c) {
    if (c <= 0xFFFF) {
        return String.fromCharCode(c);
    }
    c -= 0x10000;
    return String.fromCharCode(0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
}

// A value read from a piece. V8 keeps a substring of 13 characters or more as a slice of the whole
// piece, which would keep every piece of the file alive (for a 350 MB export, 350 MB of heap): such a
// value is copied. The two commonest short values are shared rather than held once per record.
function xmlText(s) {
    if (s.length >= 13) {
        s = (s + ' ').slice(0, -1);
    } else if (s === 'true') {
        return 'true';
    } else if (s === 'false') {
        return 'false';
    }
    if (s.indexOf('\r') >= 0) {
        s = s.replace(/\r\n?/g, '\n');
    }
    if (s.indexOf('&') < 0) {
        return s;
    }
    return s.replace(ENTITY, function (m, e) {
        if (e.charAt(0) === '#') {
            return fromCodePoint(e.charAt(1) === 'x' ? parseInt(e.substring(2), 16) : parseInt(e.substring(1), 10));
        }
        return PREDEFINED[e];
    });
}

function xmlAttr(s) {
    if (/[\t\n\r]/.test(s)) {
        s = s.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' ');
    }
    return xmlText(s);
}

var XML = null;  // the export being read: {label, depth, rec, tag, field, skip, line, tables}

// Stop with an error at `index` of `piece`, whose first line is `line` (errors are rare: lines are
// counted only then).
function xmlError(piece, index, line, message) {
    for (var i = piece.indexOf('\n'); i >= 0 && i < index; i = piece.indexOf('\n', i + 1)) {
        line++;
    }
    throw new Error('postclone-load: ' + XML.label + ':' + line + ': ' + message);
}

// One piece of an export: `text` starts at a '<' (the first piece just after <unload ...>), so no tag
// or text is cut; `line` is the piece's first line in the file (for error messages).
pc.addXml = function (label, text, line) {
    if (XML === null || XML.label !== label) {
        XML = {label: label, depth: 1, rec: null, tag: '', field: null, skip: false, line: line, tables: {},
            startPiece: '', startIndex: 0, startLine: line};
    }
    XML.line = line;
    var depth = XML.depth;
    var rec = XML.rec;
    var m;
    XML_TOKEN.lastIndex = 0;
    while ((m = XML_TOKEN.exec(text)) !== null) {
        if (m[1] !== undefined) {  // <name>text</...>: a field with its text (or a record holding only text)
            if (depth === 2) {
                setField(rec, m[1], xmlText(m[2]));
                continue;
            }
            if (depth === 1) {
                startRecord(text, m.index, m[1], '');
                endRecord({});
                continue;
            }
            if (depth === 4) {
                itemNotEmpty();
            }
            if (depth === 3 && m[1] === 'item' && m[2] === '') {  // <item></item>, and the text after it
                var lt = text.indexOf('<', XML_TOKEN.lastIndex);
                itemTail(rec, text.substring(XML_TOKEN.lastIndex, lt < 0 ? text.length : lt));
                continue;
            }
            nested(text, m.index, m[1]);
        }
        if (m[3]) {  // an end tag
            if (depth === 4) {
                depth = 3;
                itemTail(rec, m[6]);
            } else if (depth === 3) {
                depth = 2;
            } else if (depth === 2) {
                depth = 1;
                endRecord(rec);
                rec = null;
            } else {
                depth = 0;  // </unload>
            }
            continue;
        }
        var attrs = m[5];
        var empty = attrs.length > 0 && attrs.charAt(attrs.length - 1) === '/';
        if (depth === 1) {
            startRecord(text, m.index, m[4], attrs);
            rec = {};
            if (empty) {
                endRecord(rec);
            } else {
                depth = 2;
            }
        } else if (depth === 2) {
            XML.field = m[4];
            if (empty) {
                setField(rec, m[4], '');
            } else {
                setField(rec, m[4], xmlText(m[6]));
                depth = 3;
            }
        } else if (depth === 3 && m[4] === 'item' && (empty || m[6] === '')) {
            // a condition's <item/>: the field's value is its encoded query, the text around the items
            if (empty) {
                itemTail(rec, m[6]);
            } else {
                depth = 4;  // <item ...></item>
                XML.item = [text, m.index, XML.line];
            }
        } else if (depth === 4) {
            itemNotEmpty();
        } else {
            nested(text, m.index, m[4]);
        }
    }
    XML.depth = depth;
    XML.rec = rec;
};

// A record starts at `index` of piece `text`: where it starts is kept (the piece, not a line count), as
// an error about it names the line of its start tag.
function startRecord(text, index, tag, attrs) {
    if (Object.prototype.hasOwnProperty.call(Object.prototype, tag)) {
        xmlError(text, index, XML.line, '<' + tag + '> is not a table name (every JavaScript object has ' + tag + ')');
    }
    XML.startPiece = text;
    XML.startIndex = index;
    XML.startLine = XML.line;
    var action = attrs === '' || attrs === ' action="INSERT_OR_UPDATE"' || attrs.indexOf('action') < 0 ? null :
        ACTION_ATTR.exec(attrs);
    XML.tag = tag;
    XML.skip = tag === 'sys_remote_update_set' ||
        (action !== null && xmlAttr(action[1] !== undefined ? action[1] : action[2]) === 'DELETE');
}

// A field as JSON.parse would make it: "__proto__" too is an own property, not the prototype.
function setField(rec, name, value) {
    if (name === '__proto__') {
        Object.defineProperty(rec, name, {value: value, writable: true, enumerable: true, configurable: true});
    } else {
        rec[name] = value;
    }
}

function endRecord(rec) {
    if (XML.skip) {
        return;
    }
    if (!rec.sys_id) {
        xmlError(XML.startPiece, XML.startIndex, XML.startLine, '<' + XML.tag + '> record has no sys_id');
    }
    (XML.tables[XML.tag] = XML.tables[XML.tag] || []).push(rec);
}

// The text after a condition's <item> belongs to the field, as lxml's tail does.
function itemTail(rec, text) {
    setField(rec, XML.field, rec[XML.field] + xmlText(text));
}

// An <item> of a condition holds an element: the error is at the item, as lxml reports it.
function itemNotEmpty() {
    nested(XML.item[0], XML.item[1], 'item', XML.item[2]);
}

function nested(text, index, name, line) {
    xmlError(text, index, line === undefined ? XML.line : line, '<' + XML.field + '> of <' + XML.tag +
        '> holds an element <' + name +
        '>; a list export\'s fields hold text');
}

// The export's last piece was read and lxml found it well-formed: its records join the snapshot (an
// export with no records still says its table, `stem`, exists).
pc.endXml = function (label, stem) {
    var tables = XML !== null && XML.label === label ? XML.tables : {};
    var any = false;
    for (var t in tables) {
        if (Object.prototype.hasOwnProperty.call(tables, t)) {
            pc.addRows(t, tables[t]);
            any = true;
        }
    }
    if (!any) {
        pc.addRows(stem, []);
    }
    XML = null;
};

// The rest of an export turned out not to be for this reader (exports.py reads it itself): forget
// what was read of it.
pc.dropXml = function (label) {
    if (XML !== null && XML.label === label) {
        XML = null;
    }
};
