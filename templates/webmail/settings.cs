<?cs # The settings pages, one link each. ?>
<?cs set:Page.Title = Lang.settings.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings">
  <h1><?cs var:Lang.settings.title ?></h1>
  <ul class="settings-list" id="settings-list">
    <li><a href="<?cs var:Page.Base ?>/settings/blocklist"><?cs var:Lang.settings.blocklist.title ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/settings/filters"><?cs var:Lang.settings.filters.title ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/settings/vacation"><?cs var:Lang.settings.vacation.title ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/settings/pop"><?cs var:Lang.popfetch.title ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/settings/display"><?cs var:Lang.prefs.display.title ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/settings/signature"><?cs var:Lang.compose.signature.title ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/settings/password"><?cs var:Lang.prefs.password.title ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/settings/spam"><?cs var:Lang.prefs.spam.title ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/settings/sessions"><?cs var:Lang.prefs.sessions.title ?></a></li>
  </ul>
</section>
<?cs include:"footer.cs" ?>
