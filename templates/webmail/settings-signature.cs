<?cs # The signature compose puts under a new message, an answer or a
     forward. ?>
<?cs set:Page.Title = Lang.compose.signature.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings signature">
  <p class="back"><a href="<?cs var:Page.Base ?>/settings"><?cs var:Lang.settings.back ?></a></p>
  <h1><?cs var:Lang.compose.signature.title ?></h1>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.compose.signature.error[Page.FormError] ?></p>
<?cs elif:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.settings.saved ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings/signature" id="signature-form">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <textarea name="signature" id="signature" rows="6" aria-label="<?cs var:Lang.compose.signature.title ?>"><?cs var:Signature ?></textarea>
    <p class="note"><?cs var:Lang.compose.signature.note ?></p>
    <p><button type="submit"><?cs var:Lang.prefs.save ?></button></p>
  </form>
</section>
<?cs include:"footer.cs" ?>
