<?cs set:Page.Title = Lang.error.title ?>
<?cs include:"header.cs" ?>
<section class="error-page">
  <h1><?cs var:Page.Status ?> <?cs var:Page.StatusText ?></h1>
  <p class="error"><?cs var:Lang.error[Page.ErrorKey] ?></p>
  <p><a href="<?cs var:Page.Base ?>/"><?cs var:Lang.error.back ?></a></p>
</section>
<?cs include:"footer.cs" ?>
