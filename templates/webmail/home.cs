<?cs set:Page.Title = Lang.home.title ?>
<?cs include:"header.cs" ?>
<section class="home">
  <h1><?cs var:Lang.home.welcome ?><?cs if:Session.Name ?>, <?cs var:Session.Name ?><?cs /if ?></h1>
  <p><?cs var:Lang.home.signed_in_as ?> <?cs var:Session.Login ?></p>
</section>
<?cs include:"footer.cs" ?>
