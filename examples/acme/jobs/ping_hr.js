// Hourly: records that the HR endpoint job is alive.
gs.info('HR endpoint ping at ' + new GlideDateTime().getDisplayValue());
