<?cs # The automatic reply while away. ?>
<?cs set:Page.Title = Lang.settings.vacation.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings vacation">
  <p class="back"><a href="<?cs var:Page.Base ?>/settings"><?cs var:Lang.settings.back ?></a></p>
  <h1><?cs var:Lang.settings.vacation.title ?></h1>
  <p class="note"><?cs var:Lang.settings.vacation.note ?></p>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.settings.vacation.error[Page.FormError] ?></p>
<?cs elif:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.settings.saved ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings/vacation" id="vacation-form">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <p><label><input type="checkbox" name="enabled" value="1"<?cs if:Vacation.Enabled ?> checked<?cs /if ?>> <?cs var:Lang.settings.vacation.enabled ?></label></p>
    <p><label><?cs var:Lang.settings.vacation.subject ?> <input name="subject" maxlength="200" value="<?cs var:Vacation.Subject ?>" placeholder="<?cs var:Lang.settings.vacation.subject_hint ?>"></label></p>
    <p><label><?cs var:Lang.settings.vacation.body ?><br><textarea name="body" rows="8" cols="60" maxlength="10000"><?cs var:Vacation.Body ?></textarea></label></p>
    <p><label><?cs var:Lang.settings.vacation.start ?> <input name="start" type="date" value="<?cs var:Vacation.Start ?>"></label>
       <label><?cs var:Lang.settings.vacation.end ?> <input name="end" type="date" value="<?cs var:Vacation.End ?>"></label></p>
    <p><label><?cs var:Lang.settings.vacation.days ?> <input name="days" type="number" min="1" max="365" value="<?cs var:Vacation.Days ?>"></label></p>
    <p><button type="submit"><?cs var:Lang.settings.vacation.save ?></button></p>
  </form>
</section>
<?cs include:"footer.cs" ?>
