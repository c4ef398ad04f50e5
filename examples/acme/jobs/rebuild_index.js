// On demand: queue a text index rebuild for the knowledge base.
gs.eventQueue('text_index', null, 'kb_knowledge', '');
