-- kith schema, version 13: the tasks that follow up an interaction. Shared by both engines.
--
-- A follow-up hook made by a debrief (or any task whose `interaction` names the note it follows)
-- is hidden with that note from whoever may not see it (`kith_store::privacy`): the hidden set of
-- a user joins the hidden interactions to their tasks through this index, which holds only the
-- tasks that name an interaction.
CREATE INDEX tasks_interaction ON tasks (interaction) WHERE interaction IS NOT NULL;
