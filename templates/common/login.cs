<?cs set:Page.Title = Lang.login.title ?>
<?cs include:"header.cs" ?>
<section class="login">
  <h1><?cs var:Lang.login.title ?></h1>
<?cs if:Page.Error == "failed" ?>
  <p class="error" role="alert"><?cs var:Lang.login.failed ?></p>
<?cs elif:Page.Error == "limited" ?>
  <p class="error" role="alert"><?cs var:Lang.login.limited_before ?> <?cs var:Page.RetryAfter ?> <?cs var:Lang.login.limited_after ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/login">
    <input type="hidden" name="_csrf" value="<?cs var:Page.Csrf ?>">
    <label for="username"><?cs var:Lang.login.username ?></label>
    <input id="username" name="username" type="text" autocomplete="username" required autofocus maxlength="320" placeholder="<?cs var:Lang.login.username_hint[Page.Portal] ?>" value="<?cs var:Page.Username ?>">
    <label for="password"><?cs var:Lang.login.password ?></label>
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
    <button type="submit"><?cs var:Lang.login.submit ?></button>
  </form>
</section>
<?cs include:"footer.cs" ?>
