// Runs the HR import on production only (the guard around this file makes sure).
var source = new GlideRecord('scheduled_import_set');
if (source.get('name', 'HR feed')) {
    gs.info('postclone example: starting HR import ' + source.getValue('name'));
    gs.eventQueue('acme.hr.sync.requested', source, '', '');
}
