<?cs # The user's web sessions, each with a button that ends it. ?>
<?cs set:Page.Title = Lang.prefs.sessions.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings sessions">
  <p class="back"><a href="<?cs var:Page.Base ?>/settings"><?cs var:Lang.settings.back ?></a></p>
  <h1><?cs var:Lang.prefs.sessions.title ?></h1>
  <p class="note"><?cs var:Lang.prefs.sessions.note ?></p>
<?cs if:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.prefs.sessions.done[Page.Done] ?></p>
<?cs /if ?>
  <table class="list" id="sessions">
    <thead><tr>
      <th><?cs var:Lang.prefs.sessions.client ?></th>
      <th><?cs var:Lang.prefs.sessions.address ?></th>
      <th><?cs var:Lang.prefs.sessions.started ?></th>
      <th><?cs var:Lang.prefs.sessions.last_seen ?></th>
      <th><span class="sr"><?cs var:Lang.prefs.sessions.end ?></span></th>
    </tr></thead>
    <tbody>
<?cs each:s = Sessions ?>
    <tr data-session="<?cs var:s.Id ?>"<?cs if:s.Current ?> class="current"<?cs /if ?>>
      <td class="agent"><?cs if:s.Agent ?><?cs var:s.Agent ?><?cs else ?><?cs var:Lang.prefs.sessions.unknown ?><?cs /if ?><?cs if:s.Current ?> <strong class="this"><?cs var:Lang.prefs.sessions.this ?></strong><?cs /if ?></td>
      <td class="ip"><?cs var:s.Address ?></td>
      <td class="created"><?cs var:s.Created ?></td>
      <td class="seen"><?cs var:s.Seen ?></td>
      <td><form method="post" action="<?cs var:Page.Base ?>/settings/sessions" class="inline">
        <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
        <input type="hidden" name="op" value="end">
        <input type="hidden" name="id" value="<?cs var:s.Id ?>">
        <button type="submit"><?cs if:s.Current ?><?cs var:Lang.prefs.sessions.end_this ?><?cs else ?><?cs var:Lang.prefs.sessions.end ?><?cs /if ?></button>
      </form></td>
    </tr>
<?cs /each ?>
    </tbody>
  </table>
  <form method="post" action="<?cs var:Page.Base ?>/settings/sessions" id="end-others">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="op" value="others">
    <p><button type="submit"><?cs var:Lang.prefs.sessions.end_others ?></button></p>
  </form>
</section>
<?cs include:"footer.cs" ?>
