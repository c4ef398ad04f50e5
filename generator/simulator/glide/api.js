// What the emulation hands on: the API objects for globals.js, notEmulated for its stand-ins.

pc.notEmulated = notEmulated;
pc.api = {
    GlideRecord: GlideRecord,
    GlideAggregate: GlideAggregate,
    GlideDateTime: GlideDateTime,
    GlideSysAttachment: GlideSysAttachment,
    gs: gs
};
