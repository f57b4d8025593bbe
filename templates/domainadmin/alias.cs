<?cs # One alias or group address: where it leads, its description. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Alias.Address ?>
<?cs set:Page.Nav = "aliases" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="alias-page" data-id="<?cs var:Alias.Id ?>">
<?cs call:domain_bar() ?>
  <p class="back"><a href="<?cs var:Page.Base ?>/aliases?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.domainadmin.aliases.back ?></a></p>
  <h1><?cs var:Lang.domainadmin.aliases.kinds[Alias.Kind] ?></h1>
  <div class="message">
  <dl class="headers">
    <dt><?cs var:Lang.domainadmin.aliases.address ?></dt><dd id="alias-address"><?cs var:Alias.Address ?></dd>
  </dl>
  </div>
<?cs call:form_error(Alias.Kind) ?>
  <form method="post" action="<?cs var:Page.Base ?>/aliases/edit" class="create" id="alias-edit">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:Alias.Id ?>">
<?cs if:Alias.Kind == "group" ?>
    <label><?cs var:Lang.domainadmin.aliases.members ?> <textarea name="members" rows="6" cols="30"><?cs var:Form.Members ?></textarea></label>
<?cs else ?>
    <label><?cs var:Lang.domainadmin.aliases.user ?> <input name="user" maxlength="254" required value="<?cs var:Form.User ?>"></label>
<?cs /if ?>
    <label><?cs var:Lang.domainadmin.aliases.description ?> <input name="description" maxlength="200" value="<?cs var:Form.Description ?>"></label>
    <button type="submit"><?cs var:Lang.domainadmin.save ?></button>
  </form>
<?cs if:Alias.Kind == "group" ?>
  <p class="hint"><?cs var:Lang.domainadmin.aliases.members_note ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/aliases/delete" class="create" id="alias-delete">
    <?cs call:post_fields() ?>
    <input type="hidden" name="id" value="<?cs var:Alias.Id ?>">
    <button type="submit" class="danger"><?cs var:Lang.domainadmin.remove ?></button>
  </form>
</section>
<?cs include:"footer.cs" ?>
