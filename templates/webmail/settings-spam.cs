<?cs # Spam level, where certain spam goes, and virus checking. ?>
<?cs set:Page.Title = Lang.prefs.spam.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings spam">
  <p class="back"><a href="<?cs var:Page.Base ?>/settings"><?cs var:Lang.settings.back ?></a></p>
  <h1><?cs var:Lang.prefs.spam.title ?></h1>
  <p class="note"><?cs var:Lang.prefs.spam.note ?></p>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.prefs.spam.error[Page.FormError] ?></p>
<?cs elif:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.settings.saved ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings/spam" id="spam-form">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <fieldset>
      <legend><?cs var:Lang.prefs.spam.level ?></legend>
      <p><label><input type="radio" name="level" value=""<?cs if:!Spam.Level ?> checked<?cs /if ?>> <?cs var:Lang.prefs.spam.levels.domain ?></label></p>
<?cs each:l = Levels ?>
      <p><label><input type="radio" name="level" value="<?cs var:l.Key ?>"<?cs if:Spam.Level == l.Key ?> checked<?cs /if ?>> <?cs var:Lang.prefs.spam.levels[l.Key] ?></label><?cs if:l.Junk ?> <span class="note"><?cs var:Lang.prefs.spam.junk_at ?> <?cs var:l.Junk ?>, <?cs var:Lang.prefs.spam.quarantine_at ?> <?cs var:l.Quarantine ?></span><?cs /if ?></p>
<?cs /each ?>
    </fieldset>
    <p><label><?cs var:Lang.prefs.spam.certain ?>
      <select name="certain">
        <option value="junk"<?cs if:Spam.Certain != "quarantine" ?> selected<?cs /if ?>><?cs var:Lang.prefs.spam.to_junk ?></option>
        <option value="quarantine"<?cs if:Spam.Certain == "quarantine" ?> selected<?cs /if ?>><?cs var:Lang.prefs.spam.to_quarantine ?></option>
      </select></label></p>
    <p><label><input type="checkbox" name="antivirus" value="1"<?cs if:Spam.Antivirus ?> checked<?cs /if ?>> <?cs var:Lang.prefs.spam.antivirus ?></label></p>
    <p><button type="submit"><?cs var:Lang.prefs.save ?></button></p>
  </form>
</section>
<?cs include:"footer.cs" ?>
