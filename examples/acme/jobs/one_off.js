// A data fix for one development instance, switched off until needed.
var fix = new GlideRecord('sys_user');
fix.addQuery('user_name', 'STARTSWITH', 'temp.');
fix.query();
while (fix.next()) {
    fix.setValue('active', false);
    fix.update();
}
