// GlideDateTime and GlideSystem (gs): dates, properties, logging, the session's user, events.

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
// getLocalDate(): "Gets the date stored by the GlideDateTime object, expressed in the standard format,
// yyyy-MM-dd, and the current user's time zone" (c_GlideDateTimeAPI.md); it returns a GlideDate. The
// emulation's users are all in UTC (judgement: a snapshot carries no time zone the scripts could be
// checked against), so it is the UTC date. The GlideDate offers getValue() and toString() only.
GlideDateTime.prototype.getLocalDate = function () {
    var date = formatTime(this._ms).substring(0, 10);
    return {
        getValue: function () {
            return date;
        },
        toString: function () {
            return date;
        },
        getDisplayValue: notEmulated('GlideDate.getDisplayValue')
    };
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
        var v = propertyValue(name);
        return v !== null ? v : (alt === undefined ? null : alt);
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
        return tablePresent(String(table));  // as isValid(): a parent exists when a child does (rule 9)
    },
    nil: function (v) {
        return v === null || v === undefined || str(v) === '';
    }
};
// GlideSession: only strict query is modelled (r_AvailableSystemProperties.md,
// glide.invalid_query.returns_no_rows: "execute gs.getSession().setStrictQuery(false)").
var session = {
    setStrictQuery: function (on) {
        pc.strict = !!on;
    }
};
var SESSION_NOT_EMULATED = ['getClientIP', 'getTimeZoneName', 'getLanguage', 'isInteractive', 'isLoggedIn',
    'getClientData', 'putClientData', 'getUrlOnStack', 'getCurrentApplicationId'];
for (n = 0; n < SESSION_NOT_EMULATED.length; n++) {
    session[SESSION_NOT_EMULATED[n]] = notEmulated('GlideSession.' + SESSION_NOT_EMULATED[n]);
}
gs.getSession = function () {
    return session;
};
var GS_NOT_EMULATED = ['getUser', 'executeNow', 'sleep', 'addInfoMessage', 'addErrorMessage',
    'getMessage', 'include', 'generateGUID', 'urlEncode', 'base64Encode', 'eventQueueScheduled', 'setRedirect'];
for (n = 0; n < GS_NOT_EMULATED.length; n++) {
    gs[GS_NOT_EMULATED[n]] = notEmulated('gs.' + GS_NOT_EMULATED[n]);
}
gs.generateGUID = function () {
    return newGuid();
};
