// Removes the incidents trainees created during last month's courses.
var old = new GlideRecord('incident');
old.addEncodedQuery('short_descriptionSTARTSWITH[TRAINING]');
old.deleteMultiple();
