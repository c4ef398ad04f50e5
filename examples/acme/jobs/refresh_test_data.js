// Marks stale test incidents so the weekly refresh starts clean.
var stale = new GlideRecord('incident');
stale.addQuery('short_description', 'STARTSWITH', '[TESTDATA]');
stale.addQuery('active', true);
stale.query();
var count = 0;
while (stale.next()) {
    stale.setValue('state', '7');
    stale.update();
    count++;
}
gs.info('refreshed ' + count + ' test incidents');
