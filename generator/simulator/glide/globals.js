// The global names a server script sees, taken from the emulation (this part runs after it).

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
