<?cs # Change the password: the current one, the new one twice. ?>
<?cs set:Page.Title = Lang.prefs.password.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings password">
  <p class="back"><a href="<?cs var:Page.Base ?>/settings"><?cs var:Lang.settings.back ?></a></p>
  <h1><?cs var:Lang.prefs.password.title ?></h1>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.prefs.password.error[Page.FormError] ?><?cs if:Page.FormError == "short" ?> <?cs var:Policy.Min ?><?cs /if ?><?cs if:Page.FormError == "limited" ?> <?cs var:Page.RetryAfter ?> <?cs var:Lang.prefs.password.seconds ?><?cs /if ?></p>
<?cs elif:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.prefs.password.done ?></p>
<?cs /if ?>
  <p class="note" id="policy"><?cs var:Lang.prefs.password.policy_min ?> <span id="policy-min"><?cs var:Policy.Min ?></span><?cs if:Policy.Lower ?>; <?cs var:Lang.prefs.password.needs.lower ?><?cs /if ?><?cs if:Policy.Upper ?>; <?cs var:Lang.prefs.password.needs.upper ?><?cs /if ?><?cs if:Policy.Digit ?>; <?cs var:Lang.prefs.password.needs.digit ?><?cs /if ?><?cs if:Policy.Symbol ?>; <?cs var:Lang.prefs.password.needs.symbol ?><?cs /if ?>.</p>
  <form method="post" action="<?cs var:Page.Base ?>/settings/password" id="password-form">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <p><label><?cs var:Lang.prefs.password.current ?><br><input type="password" name="current" autocomplete="current-password" required></label></p>
    <p><label><?cs var:Lang.prefs.password.new ?><br><input type="password" name="new" autocomplete="new-password" minlength="<?cs var:Policy.Min ?>" required></label></p>
    <p><label><?cs var:Lang.prefs.password.confirm ?><br><input type="password" name="confirm" autocomplete="new-password" required></label></p>
    <p class="note"><?cs var:Lang.prefs.password.others_end ?></p>
    <p><button type="submit"><?cs var:Lang.prefs.password.save ?></button></p>
  </form>
</section>
<?cs include:"footer.cs" ?>
