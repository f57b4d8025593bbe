<?cs # Asked before a user is deleted: keep the mailbox for some days, or
     remove everything now. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.domainadmin.delete.title ?>
<?cs set:Page.Nav = "users" ?>
<?cs include:"header.cs" ?>
<section class="home confirm" id="delete-page">
<?cs call:domain_bar() ?>
  <h1><?cs var:Lang.domainadmin.delete.title ?></h1>
<?cs call:form_error("delete") ?>
  <form method="post" action="<?cs var:Page.Base ?>/users/delete" id="delete-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:User.Id ?>">
    <input type="hidden" name="confirm" value="1">
    <div class="message" id="confirm-text">
      <p><?cs var:Lang.domainadmin.delete.question ?></p>
      <dl class="headers"><dt><?cs var:Lang.domainadmin.user.address ?></dt><dd><?cs var:User.Address ?></dd></dl>
    </div>
<?cs if:User.Deleted ?>
    <input type="hidden" name="mode" value="purge">
    <p><?cs var:Lang.domainadmin.delete.purge_note ?></p>
<?cs else ?>
    <p><label><input type="radio" name="mode" value="keep" checked> <?cs var:Lang.domainadmin.delete.keep ?> <input type="number" name="days" min="1" max="<?cs var:Delete.DaysMax ?>" value="<?cs var:Delete.Days ?>" aria-label="<?cs var:Lang.domainadmin.delete.days ?>"> <?cs var:Lang.domainadmin.delete.days ?></label></p>
    <p><label><input type="radio" name="mode" value="purge"> <?cs var:Lang.domainadmin.delete.purge ?></label></p>
<?cs /if ?>
    <p class="toolbar"><button type="submit" class="danger"><?cs var:Lang.domainadmin.delete.button ?></button>
    <a href="<?cs var:Page.Base ?>/users/edit?d=<?cs var:Domain.Enc ?>&amp;id=<?cs var:User.Id ?>"><?cs var:Lang.domainadmin.cancel ?></a></p>
  </form>
</section>
<?cs include:"footer.cs" ?>
