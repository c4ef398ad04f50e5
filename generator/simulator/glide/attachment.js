// GlideSysAttachment: attachments are recorded, with their content, in the journal.

function GlideSysAttachment() {
}
GlideSysAttachment.prototype.write = function (gr, fileName, contentType, content) {
    var att = new GlideRecord('sys_attachment');
    att.initialize();
    att.setValue('table_name', gr._table);
    att.setValue('table_sys_id', gr.getUniqueValue());
    att.setValue('file_name', fileName);
    att.setValue('content_type', contentType);
    att.setValue('size_bytes', String(String(content).length));
    var id = att.insert();
    pc.attachments.push({seq: seq, sys_id: id, table: gr._table, table_sys_id: gr.getUniqueValue(),
        file_name: String(fileName), content: String(content)});
    return id;
};
GlideSysAttachment.prototype.getContent = function () {
    unsupported('GlideSysAttachment.getContent');
};
